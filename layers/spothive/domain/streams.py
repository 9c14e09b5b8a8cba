"""Live streams: one message envelope and one cursor rule for every stream, socket or polling.

Every message is ``{"stream", "cursor", "type", "at", "data"}``. ``cursor`` is opaque to clients: a
client that hands back the last cursor it saw (``?cursor=`` on the polling GET, or ``{"action": "poll",
"cursor"}`` on the AWS socket) receives exactly the messages after it, in order. Discovery and log
messages are entries of an append-only event log (their cursor is the entry id); lab messages are
derived from the experiment record (its ``telemetry.steps`` in order, then the status when it changed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from spothive.domain.errors import InvalidInput


class StreamKind(StrEnum):
    """The three streams (the route each is served on)."""

    DISCOVERY = "connect"  # /api/connect/stream
    LOGS = "logs"  # /api/admin/logs
    LAB = "lab"  # /api/lab/stream/{id}


#: The most messages one read returns (a client behind catches up page by page).
PAGE_LIMIT = 200
#: How many log records the platform log keeps (older ones are trimmed).
LOG_RETENTION = 10_000
#: How many progress events one org's discovery channel keeps.
DISCOVERY_RETENTION = 1_000
#: WebSocket close code for a missing, invalid or revoked token (4000 + the HTTP status).
CLOSE_UNAUTHORIZED = 4401
#: WebSocket close code for a valid token without the rights to the stream.
CLOSE_FORBIDDEN = 4403
#: WebSocket close code for an unknown stream target (another tenant's experiment looks the same).
CLOSE_NOT_FOUND = 4404
#: Structured fields a platform log record carries when present (the Powertools keys).
LOG_FIELDS = ("component_id", "action", "result", "duration_ms", "correlation_id", "org_id", "account_id",
              "cluster_id", "job_id", "request_id", "function_name")
#: WebSocket close code for a bad parameter (cursor, component id).
CLOSE_INVALID = 4422

_EVENT_CURSOR = re.compile(r"^\d{1,20}-\d{1,20}$")
_LAB_CURSOR = re.compile(r"^(\d{1,6})(?::([a-z_]{1,32}))?$")
_COMPONENT = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One message of a stream."""

    stream: str
    cursor: str
    type: str
    at: str
    data: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form every transport sends."""
        return {"stream": self.stream, "cursor": self.cursor, "type": self.type, "at": self.at, "data": dict(self.data)}


@dataclass(frozen=True, slots=True)
class Page:
    """Messages after a cursor, and the cursor to ask from next (unchanged when nothing was new)."""

    messages: list[StreamMessage]
    cursor: str
    done: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The polling GET's body."""
        return {"messages": [m.as_dict() for m in self.messages], "cursor": self.cursor, "done": self.done}


@dataclass(frozen=True, slots=True)
class Event:
    """An entry of the event log: its id (the cursor), type, time and data."""

    id: str
    type: str
    at: str
    data: Mapping[str, Any] = field(default_factory=dict)


def discovery_channel(org_id: str) -> str:
    """The event log channel of one org's discovery progress (all its accounts)."""
    return f"discovery:{org_id}"


LOGS_CHANNEL = "logs:platform"


def event_cursor(value: str | None, name: str = "cursor") -> str:
    """A valid event log cursor (``"0-0"`` for "from the start" when absent); 422 naming ``name`` otherwise."""
    if value in (None, "", "0"):
        return "0-0"
    if not _EVENT_CURSOR.match(str(value)):
        raise InvalidInput(f"{name}: expected an id like 1733090000000-0 from a previous message", field=name)
    return str(value)


def component_filter(value: str | None) -> str | None:
    """A valid ``component_id`` filter (``None`` for all components)."""
    if value in (None, ""):
        return None
    if not _COMPONENT.match(str(value)):
        raise InvalidInput("component_id: 1-64 letters, digits or _.:-", field="component_id")
    return str(value)


def event_messages(stream: str, events: Sequence[Event], *, account_id: str | None = None,
                   component_id: str | None = None) -> list[StreamMessage]:
    """Log events as messages, keeping those of ``account_id`` / ``component_id`` when given."""
    kept = []
    for event in events:
        if account_id is not None and event.data.get("account_id") != account_id:
            continue
        if component_id is not None and event.data.get("component_id") != component_id:
            continue
        kept.append(StreamMessage(stream, event.id, event.type, event.at, event.data))
    return kept


def lab_cursor(value: str | None) -> tuple[int, str | None]:
    """``"3:running"`` → (3 steps seen, last status seen ``running``); absent → (0, None)."""
    if value in (None, ""):
        return 0, None
    match = _LAB_CURSOR.match(str(value))
    if match is None:
        raise InvalidInput("cursor: expected <steps seen>:<status> from a previous message", field="cursor")
    return int(match.group(1)), match.group(2)


#: Experiment statuses after which nothing changes any more.
LAB_FINAL = frozenset({"switched", "rolled_back", "failed", "dry_run", "completed", "aborted"})


def lab_messages(record: Mapping[str, Any], cursor: str | None) -> Page:
    """The steps of an experiment record after ``cursor``, then its status if it changed since.

    ``telemetry.steps`` is ``[{"step", "started_at", "duration_ms", "result"}, ...]`` (entries that are
    not objects are skipped); ``price_before``/``price_after`` ride on the status message.
    """
    seen, last_status = lab_cursor(cursor)
    stream = f"lab:{record.get('experiment_id')}"
    found = record.get("telemetry")
    telemetry: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    raw_steps = telemetry.get("steps")
    steps = [s for s in (raw_steps if isinstance(raw_steps, list) else []) if isinstance(s, Mapping)]
    status = str(record.get("status") or "unknown")
    messages: list[StreamMessage] = []
    for index in range(seen, len(steps)):
        step = steps[index]
        at = str(step.get("started_at") or record.get("created_at") or "")
        data = {"index": index, "step": step.get("step"), "started_at": step.get("started_at"),
                "duration_ms": step.get("duration_ms"), "result": step.get("result")}
        messages.append(StreamMessage(stream, f"{index + 1}:{last_status or ''}".rstrip(":"), "step", at, data))
    count = max(seen, len(steps))
    if status != last_status:
        data = {"status": status, "price_before": telemetry.get("price_before"),
                "price_after": telemetry.get("price_after"), "steps": len(steps)}
        at = str(telemetry.get("finished_at") or (steps[-1].get("started_at") if steps else None)
                 or record.get("created_at") or "")
        messages.append(StreamMessage(stream, f"{count}:{status}", "status", at, data))
    return Page(messages, f"{count}:{status}", done=status in LAB_FINAL)
