"""Live streams: who may follow which stream, reads after a cursor, and publishing with socket fan-out.

The same :class:`StreamService` serves the FastAPI WebSockets and polling GETs locally, and the API
Gateway WebSocket functions on AWS (where :meth:`publish` also pushes to every open socket that follows
the channel, through ``PostToConnection``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spothive.domain.errors import ConfigurationError, Forbidden, InvalidInput, NotFound
from spothive.domain.identity import Principal
from spothive.domain.streams import (
    DISCOVERY_RETENTION,
    LOG_RETENTION,
    LOGS_CHANNEL,
    PAGE_LIMIT,
    Event,
    Page,
    StreamKind,
    component_filter,
    discovery_channel,
    event_cursor,
    event_messages,
    lab_messages,
)
from spothive.ports.clock import Clock
from spothive.ports.lab import LabRepo
from spothive.ports.streams import EventLog, SocketPusher, StreamConnections
from spothive.ports.tenancy import TenancyRepo

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A caller's right to one stream: its channel (or experiment) and the filters applied to it."""

    kind: StreamKind
    channel: str
    org_id: str
    filters: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """What the connections table stores."""
        return {"kind": str(self.kind), "channel": self.channel, "org_id": self.org_id, "filters": dict(self.filters)}

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> Subscription:
        """Back from :meth:`as_dict`."""
        return cls(StreamKind(item["kind"]), str(item["channel"]), str(item["org_id"]),
                   {str(k): str(v) for k, v in dict(item.get("filters") or {}).items()})


class StreamService:
    """Authorize, read and publish the three streams."""

    def __init__(self, events: EventLog, lab: LabRepo, tenancy: TenancyRepo, clock: Clock, *,
                 connections: StreamConnections | None = None, pusher: SocketPusher | None = None) -> None:
        self._events = events
        self._lab = lab
        self._tenancy = tenancy
        self._clock = clock
        self._connections = connections
        self._pusher = pusher

    # ---- who may follow what -------------------------------------------------------------------------
    def discovery_stream(self, principal: Principal, account_id: str | None = None) -> Subscription:
        """The caller's org's discovery progress (one of its accounts when ``account_id`` is given)."""
        filters: dict[str, str] = {}
        if account_id:
            if self._tenancy.get_account(principal.org_id, account_id) is None:
                raise NotFound(f"account {account_id} not found", field="account_id")
            filters["account_id"] = account_id
        return Subscription(StreamKind.DISCOVERY, discovery_channel(principal.org_id), principal.org_id, filters)

    def logs_stream(self, principal: Principal, component_id: str | None = None) -> Subscription:
        """The platform's structured logs, one component's when given; super admins only."""
        if not principal.is_admin:
            raise Forbidden("super_admin role required")
        component = component_filter(component_id)
        filters = {"component_id": component} if component else {}
        return Subscription(StreamKind.LOGS, LOGS_CHANNEL, principal.org_id, filters)

    def lab_stream(self, principal: Principal, experiment_id: str) -> Subscription:
        """One experiment's telemetry: super admins, or the tenant the record names; 404 for anyone else."""
        record = self._lab.get(experiment_id)
        owner = str(record.get("org_id") or "") if record else ""
        if record is None or not (principal.is_admin or (owner and owner == principal.org_id)):
            raise NotFound(f"experiment {experiment_id} not found", field="id")
        return Subscription(StreamKind.LAB, experiment_id, principal.org_id)

    # ---- reading -------------------------------------------------------------------------------------
    def read(self, subscription: Subscription, cursor: str | None, *, wait_ms: int = 0) -> Page:
        """The messages after ``cursor`` (every message from the start without one)."""
        if subscription.kind is StreamKind.LAB:
            record = self._lab.get(subscription.channel)
            if record is None:
                raise NotFound(f"experiment {subscription.channel} not found", field="id")
            return lab_messages(record, cursor)
        after = event_cursor(cursor)
        events = self._events.read(subscription.channel, after, limit=PAGE_LIMIT, block_ms=wait_ms)
        messages = event_messages(
            subscription.channel, events, account_id=subscription.filters.get("account_id"),
            component_id=subscription.filters.get("component_id"),
        )
        # the cursor moves past filtered-out events too, so a filtered client never re-reads them
        return Page(messages, events[-1].id if events else after)

    # ---- publishing ----------------------------------------------------------------------------------
    def publish(self, channel: str, type_: str, data: Mapping[str, Any], *, max_len: int) -> str:
        """Append to the channel, then push the message to every socket following it (AWS)."""
        at = self._clock.now().isoformat(timespec="milliseconds")
        entry_id = self._events.append(channel, type_, at, data, max_len=max_len)
        if self._connections is not None and self._pusher is not None:
            self._fan_out(channel, entry_id, type_, at, data)
        return entry_id

    def discovery(self, org_id: str, type_: str, data: Mapping[str, Any]) -> None:
        """One discovery progress event (``ProgressPublisher``)."""
        self.publish(discovery_channel(org_id), type_, data, max_len=DISCOVERY_RETENTION)

    def log(self, record: Mapping[str, Any]) -> str:
        """One structured log record into the platform log."""
        return self.publish(LOGS_CHANNEL, "log", record, max_len=LOG_RETENTION)

    def lab_saved(self, record: Mapping[str, Any], since: str) -> str:
        """``LabPublisher``: push an experiment's messages after ``since`` to the sockets following it (AWS);
        the cursor after them. Locally sockets read the record themselves, so nothing is pushed."""
        page = lab_messages(record, since)
        if self._connections is None or self._pusher is None or not page.messages:
            return page.cursor
        for follower in self._connections.following(str(record["experiment_id"])):
            connection_id = str(follower["connection_id"])
            for message in page.messages:
                if not self._pusher.push(connection_id, message.as_dict()):
                    self._connections.remove(connection_id)
                    break
        return page.cursor

    def _fan_out(self, channel: str, entry_id: str, type_: str, at: str, data: Mapping[str, Any]) -> None:
        assert self._connections is not None and self._pusher is not None
        for follower in self._connections.following(channel):
            sub = Subscription.from_dict(follower)
            messages = event_messages(channel, [Event(entry_id, type_, at, data)],
                                      account_id=sub.filters.get("account_id"),
                                      component_id=sub.filters.get("component_id"))
            for message in messages:
                if not self._pusher.push(str(follower["connection_id"]), message.as_dict()):
                    self._connections.remove(str(follower["connection_id"]))

    # ---- API Gateway sockets (AWS) -------------------------------------------------------------------
    def subscription_for(self, principal: Principal, stream: str | None, params: Mapping[str, str]) -> Subscription:
        """The subscription a socket asks for with ``?stream=connect|logs|lab`` and that stream's parameter."""
        if stream == StreamKind.DISCOVERY:
            return self.discovery_stream(principal, params.get("account_id") or None)
        if stream == StreamKind.LOGS:
            return self.logs_stream(principal, params.get("component_id") or None)
        if stream == StreamKind.LAB:
            if not params.get("id"):
                raise InvalidInput("id: the experiment to follow is required", field="id")
            return self.lab_stream(principal, params["id"])
        raise InvalidInput("stream: one of connect, logs, lab", field="stream")

    def open_socket(self, connection_id: str, subscription: Subscription) -> None:
        """Remember an accepted socket and what it follows."""
        self._sockets().add(connection_id, subscription.channel, subscription.org_id, subscription.filters,
                            kind=str(subscription.kind))

    def close_socket(self, connection_id: str) -> None:
        """Forget a socket (``$disconnect``)."""
        self._sockets().remove(connection_id)

    def poll_socket(self, connection_id: str, cursor: str | None) -> Page:
        """Push the messages after ``cursor`` down the socket (``{"action": "poll"}``) and return them."""
        known = self._sockets().get(connection_id)
        if known is None:
            raise NotFound("connection not found (reconnect)", field="connection_id")
        page = self.read(Subscription.from_dict(known), cursor)
        assert self._pusher is not None
        for message in page.messages:
            if not self._pusher.push(connection_id, message.as_dict()):
                self.close_socket(connection_id)
                break
        return page

    def _sockets(self) -> StreamConnections:
        if self._connections is None or self._pusher is None:
            raise ConfigurationError("no WebSocket stage configured (SPOTHIVE_WEBSOCKET_ENDPOINT)")
        return self._connections
