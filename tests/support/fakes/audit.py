"""The audit ledger and export sink in memory, chaining records exactly as the DynamoDB store does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from spothive.domain.audit import AuditEntry, AuditRecord, ChainHead, next_record
from spothive.domain.audit_views import ExportLocation
from spothive.ports.clock import Clock


class MemoryLedger:
    """``AuditLedger`` over lists; ``commit`` is the audited transaction the repository fakes use."""

    def __init__(self, clock: Clock) -> None:
        self.chains: dict[str, list[AuditRecord]] = {}
        self._clock = clock

    def write(self, org_id: str, entry: AuditEntry) -> AuditRecord:
        """Append one record after the tenant's head."""
        record = next_record(org_id, self.head(org_id), entry, self._clock.now())
        self.chains.setdefault(org_id, []).append(record)
        return record

    def commit(self, org_id: str, entry: AuditEntry | None, change: Callable[[], None]) -> AuditRecord | None:
        """Apply ``change`` and append ``entry``: both or neither (``change`` raises before mutating)."""
        change()
        return self.write(org_id, entry) if entry is not None else None

    def head(self, org_id: str) -> ChainHead:
        chain = self.chains.get(org_id, [])
        return ChainHead(chain[-1].seq, chain[-1].hash) if chain else ChainHead()

    def records(
        self, org_id: str, *, after_seq: int = 0, before_seq: int | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[AuditRecord]:
        """Records with ``after_seq < seq < before_seq`` in ``seq`` order."""
        chain = [r for r in self.chains.get(org_id, []) if r.seq > after_seq and (before_seq is None or r.seq < before_seq)]
        ordered = list(reversed(chain)) if newest_first else chain
        yield from ordered[:limit] if limit is not None else ordered

    def get(self, org_id: str, seq: int) -> AuditRecord | None:
        return next((r for r in self.chains.get(org_id, []) if r.seq == seq), None)

    def actions(self, org_id: str) -> list[str]:
        """The recorded actions of a tenant, oldest first (for assertions)."""
        return [r.action for r in self.chains.get(org_id, [])]


class MemorySink:
    """``ExportSink`` keeping files in a dict."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, body: bytes, content_type: str) -> ExportLocation:
        self.files[key] = (body, content_type)
        return ExportLocation(f"memory://{key}", 900)
