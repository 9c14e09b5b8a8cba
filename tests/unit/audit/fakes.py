"""In-memory ledger, export sink and clock for the audit service's unit tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from spothive.domain.audit import AuditEntry, AuditRecord, ChainHead, next_record
from spothive.domain.audit_views import ExportLocation

T0 = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


class StepClock:
    """Each call one second after the previous one."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        moment = self.current
        self.current += timedelta(seconds=1)
        return moment


class MemoryLedger:
    """``AuditLedger`` over dicts, chaining records exactly as the DynamoDB store does."""

    def __init__(self, clock: StepClock) -> None:
        self.chains: dict[str, list[AuditRecord]] = {}
        self._clock = clock

    def write(self, org_id: str, entry: AuditEntry) -> AuditRecord:
        record = next_record(org_id, self.head(org_id), entry, self._clock.now())
        self.chains.setdefault(org_id, []).append(record)
        return record

    def head(self, org_id: str) -> ChainHead:
        chain = self.chains.get(org_id, [])
        return ChainHead(chain[-1].seq, chain[-1].hash) if chain else ChainHead()

    def records(
        self, org_id: str, *, after_seq: int = 0, before_seq: int | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[AuditRecord]:
        chain = [r for r in self.chains.get(org_id, []) if r.seq > after_seq and (before_seq is None or r.seq < before_seq)]
        ordered = list(reversed(chain)) if newest_first else chain
        yield from ordered[:limit] if limit is not None else ordered

    def get(self, org_id: str, seq: int) -> AuditRecord | None:
        return next((r for r in self.chains.get(org_id, []) if r.seq == seq), None)


class MemorySink:
    """``ExportSink`` keeping files in a dict."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, body: bytes, content_type: str) -> ExportLocation:
        self.files[key] = (body, content_type)
        return ExportLocation(f"memory://{key}", 900)
