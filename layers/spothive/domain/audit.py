"""The tamper-evident audit ledger: records chained per tenant by SHA-256.

Each record's ``hash`` is SHA-256 over the canonical JSON of the record (every field but ``hash``),
which includes ``prev_hash``, the hash of the tenant's previous record. Editing a record breaks its own
hash; deleting or reordering records breaks the chain of ``seq`` and ``prev_hash``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, before it is placed in the chain. ``actor`` is ``user:…``, ``admin:…`` or ``system:…``."""

    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last record of a tenant's chain (``seq`` 0 and the genesis hash when empty)."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One link of the chain."""

    org_id: str
    seq: int
    timestamp: str  # ISO 8601, UTC, milliseconds: 2026-03-08T10:00:00.123Z
    actor: str
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    prev_hash: str
    hash: str

    @property
    def actor_type(self) -> str:
        """``user``, ``admin`` (acting as a user) or ``system``."""
        return self.actor.split(":", 1)[0]

    def body(self) -> dict[str, Any]:
        """Every field that the hash covers."""
        data = asdict(self)
        data.pop("hash")
        return data


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where and how a stored chain fails verification."""

    seq: int
    kind: str  # "edited" | "missing" | "reordered" | "truncated"
    detail: str


def canonical_json(data: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the same bytes for the same content everywhere."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of a record body's canonical JSON."""
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def format_timestamp(moment: datetime) -> str:
    """Millisecond UTC timestamp with a ``Z`` suffix."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def next_record(org_id: str, head: ChainHead, entry: AuditEntry, now: datetime) -> AuditRecord:
    """The record that follows ``head`` in ``org_id``'s chain."""
    body: dict[str, Any] = {
        "org_id": org_id,
        "seq": head.seq + 1,
        "timestamp": format_timestamp(now),
        "actor": entry.actor,
        "action": entry.action,
        "resource_type": entry.resource_type,
        "resource_id": entry.resource_id,
        "before": _plain(entry.before),
        "after": _plain(entry.after),
        "reason": entry.reason,
        "prev_hash": head.hash,
    }
    return AuditRecord(**body, hash=record_hash(body))


def verify_chain(records: list[AuditRecord], head: ChainHead | None = None) -> list[ChainBreak]:
    """Every break in a tenant's chain, given its records in stored (``seq``) order and its head."""
    breaks: list[ChainBreak] = []
    expected_seq, prev_hash = 1, GENESIS
    for record in records:
        if record_hash(record.body()) != record.hash:
            breaks.append(ChainBreak(record.seq, "edited", "the record's content does not match its hash"))
        if record.seq != expected_seq:
            kind = "missing" if record.seq > expected_seq else "reordered"
            breaks.append(ChainBreak(record.seq, kind, f"expected seq {expected_seq}, found {record.seq}"))
        elif record.prev_hash != prev_hash:
            breaks.append(ChainBreak(record.seq, "reordered", "prev_hash does not match the previous record"))
        if record.seq >= expected_seq:
            expected_seq = record.seq + 1
        prev_hash = record.hash
    last = records[-1].seq if records else 0
    if head is not None and head.seq > last:
        breaks.append(ChainBreak(last + 1, "truncated", f"head says {head.seq} records, found {last}"))
    return breaks


def json_diff(before: dict[str, Any] | None, after: dict[str, Any] | None, path: str = "") -> list[dict[str, Any]]:
    """Field-level changes between two JSON documents: ``[{"path", "before", "after"}]``, sorted by path."""
    changes: list[dict[str, Any]] = []
    left, right = before or {}, after or {}
    for key in sorted(set(left) | set(right), key=str):
        where = f"{path}.{key}" if path else str(key)
        a, b = left.get(key), right.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            changes.extend(json_diff(a, b, where))
        elif a != b or (key in left) != (key in right):
            changes.append({"path": where, "before": a, "after": b})
    return changes


def _plain(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy (datetimes and enums as strings) so hashing and storage agree."""
    if data is None:
        return None
    parsed: dict[str, Any] = json.loads(canonical_json(data))
    return parsed
