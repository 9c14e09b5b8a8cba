"""The AWS half of the live streams in memory: which sockets follow which channel, and what was pushed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class MemoryConnections:
    """``StreamConnections`` over a dict of connection id → subscription."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, connection_id: str, channel: str, org_id: str, filters: Mapping[str, str], *,
            kind: str = "") -> None:
        self.items[connection_id] = {"connection_id": connection_id, "channel": channel, "org_id": org_id,
                                     "filters": dict(filters), "kind": kind}

    def get(self, connection_id: str) -> dict[str, Any] | None:
        found = self.items.get(connection_id)
        return dict(found) if found is not None else None

    def remove(self, connection_id: str) -> None:
        self.items.pop(connection_id, None)

    def following(self, channel: str) -> Sequence[dict[str, Any]]:
        return [dict(i) for i in self.items.values() if i["channel"] == channel]


class RecordingPusher:
    """``SocketPusher`` that keeps each message per connection; connections in ``gone`` are closed."""

    def __init__(self, *gone: str) -> None:
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.gone = set(gone)

    def push(self, connection_id: str, message: Mapping[str, Any]) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.setdefault(connection_id, []).append(dict(message))
        return True


class NoEventLog:
    """``EventLog`` for services whose tested path never touches the Redis event log."""

    def append(self, channel: str, type_: str, at: str, data: Mapping[str, Any], *, max_len: int) -> str:
        raise AssertionError(f"unexpected append to {channel}")

    def read(self, channel: str, after: str, *, limit: int, block_ms: int = 0) -> list[Any]:
        raise AssertionError(f"unexpected read of {channel}")
