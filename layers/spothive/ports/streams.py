"""Live streams: the append-only event log, and the sockets API Gateway holds open on AWS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from spothive.domain.streams import Event


class EventLog(Protocol):
    """Append-only channels of events with ordered, resumable reads (Redis Streams)."""

    def append(self, channel: str, type_: str, at: str, data: Mapping[str, Any], *, max_len: int) -> str:
        """Add an event at ``at`` (ISO 8601); its id (a cursor). The channel keeps about ``max_len`` of the newest."""
        ...

    def read(self, channel: str, after: str, *, limit: int, block_ms: int = 0) -> list[Event]:
        """Events after ``after`` in order; waits up to ``block_ms`` for the first when there is none."""
        ...


class StreamConnections(Protocol):
    """Which open sockets (API Gateway connection ids) follow which channel."""

    def add(self, connection_id: str, channel: str, org_id: str, filters: Mapping[str, str], *,
            kind: str = "") -> None: ...

    def get(self, connection_id: str) -> dict[str, Any] | None:
        """The subscription of one connection (``channel``, ``org_id``, ``filters``), or ``None``."""
        ...

    def remove(self, connection_id: str) -> None: ...

    def following(self, channel: str) -> Sequence[dict[str, Any]]:
        """Every live subscription to ``channel`` (``connection_id``, ``filters``)."""
        ...


class SocketPusher(Protocol):
    """Sends a message down an open socket (``PostToConnection``)."""

    def push(self, connection_id: str, message: Mapping[str, Any]) -> bool:
        """True when delivered; False when the connection is gone."""
        ...


class ProgressPublisher(Protocol):
    """Where workers report progress for the live streams (discovery per account)."""

    def discovery(self, org_id: str, type_: str, data: Mapping[str, Any]) -> None:
        """One discovery progress event of ``org_id`` (``data`` names the ``account_id``)."""
        ...


class LabPublisher(Protocol):
    """Where the live switch hands each saved experiment record (the lab stream's followers)."""

    def lab_saved(self, record: Mapping[str, Any], since: str) -> str:
        """Send followers the messages of ``record`` after the cursor ``since``; the cursor after them."""
        ...
