"""The client-facing audit ledger (CORE-API audit_service) and the dashboard's activity feed.

Every read is a Query on the caller's partition of the ledger, newest first; filters are applied to the
records as the Query pages through them, so a page is complete once ``limit`` records match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spothive.domain.audit import AuditEntry, AuditRecord, ChainBreak, format_timestamp, json_diff, verify_chain
from spothive.domain.audit_export import ExportFormat, checksum, render
from spothive.domain.audit_views import AuditFilter, describe
from spothive.domain.errors import InvalidInput, NotFound
from spothive.domain.identity import Principal
from spothive.ports.audit import AuditLedger, ExportSink
from spothive.ports.clock import Clock

MAX_PAGE = 200
FEED_SIZE = 50


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of records, newest first; ``next_cursor`` is ``None`` on the last page."""

    records: list[AuditRecord]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A stored export: where to fetch it and the SHA-256 of its bytes."""

    file_url: str
    checksum: str
    format: ExportFormat
    records: int
    size: int
    expires_in: int | None
    audit_seq: int


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of checking the caller's whole chain."""

    ok: bool
    records: int
    breaks: list[ChainBreak]


@dataclass(frozen=True, slots=True)
class ActivityItem:
    """One line of the activity feed."""

    seq: int
    timestamp: str
    actor: str
    action: str
    message: str


def parse_cursor(cursor: str | None) -> int | None:
    """The ``seq`` an opaque cursor stands for; ``InvalidInput`` naming ``cursor`` when it is not one."""
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or int(cursor) < 1:
        raise InvalidInput("cursor must be a value returned as next_cursor", field="cursor")
    return int(cursor)


class AuditService:
    """Lists, shows, diffs, exports and verifies a tenant's ledger; builds the activity feed."""

    def __init__(self, ledger: AuditLedger, sink: ExportSink, clock: Clock) -> None:
        self._ledger = ledger
        self._sink = sink
        self._clock = clock

    def search(self, org_id: str, where: AuditFilter, *, limit: int = 50, cursor: str | None = None) -> AuditPage:
        """Records matching ``where``, newest first, ``limit`` at most, after ``cursor``."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        before = parse_cursor(cursor)
        found: list[AuditRecord] = []
        for record in self._ledger.records(org_id, before_seq=before, newest_first=True):
            if where.matches(record):
                found.append(record)
                if len(found) > limit:
                    break
        page = found[:limit]
        more = len(found) > limit
        return AuditPage(page, str(page[-1].seq) if more and page else None)

    def get(self, org_id: str, seq: int) -> AuditRecord:
        """One record of the caller's chain; ``NotFound`` for anything else (another tenant's included)."""
        record = self._ledger.get(org_id, seq) if seq >= 1 else None
        if record is None:
            raise NotFound(f"audit record {seq} not found", field="id")
        return record

    def diff(self, org_id: str, seq: int) -> dict[str, Any]:
        """Field-level changes of one record, with both documents."""
        record = self.get(org_id, seq)
        return {"id": record.seq, "action": record.action, "before": record.before, "after": record.after,
                "changes": json_diff(record.before, record.after)}

    def export(
        self, principal: Principal, fmt: ExportFormat, since: datetime | None = None, until: datetime | None = None
    ) -> ExportResult:
        """Render the records in ``[since, until]`` (oldest first), store the file, and audit the export."""
        where = AuditFilter(since=since, until=until)
        records = [r for r in self._ledger.records(principal.org_id) if where.matches(r)]
        body = render(records, fmt)
        digest = checksum(body)
        now = self._clock.now()
        stamp = format_timestamp(now).replace(":", "").replace(".", "")
        key = f"audit-exports/{principal.org_id}/{stamp}-{digest[:12]}.{fmt.value}"
        location = self._sink.put(key, body, fmt.content_type)
        entry = AuditEntry(
            principal.actor, "audit.export", "audit_export", key,
            after={
                "format": fmt.value, "records": len(records), "bytes": len(body), "checksum": digest,
                "from": format_timestamp(since) if since else None, "to": format_timestamp(until) if until else None,
                "first_seq": records[0].seq if records else None, "last_seq": records[-1].seq if records else None,
            },
        )
        written = self._ledger.write(principal.org_id, entry)
        return ExportResult(location.url, digest, fmt, len(records), len(body), location.expires_in, written.seq)

    def verify(self, org_id: str) -> VerifyReport:
        """Run the chain verification over every record of the tenant against its head."""
        head = self._ledger.head(org_id)
        records = list(self._ledger.records(org_id))
        breaks = verify_chain(records, head)
        return VerifyReport(not breaks, len(records), breaks)

    def activity(self, org_id: str, limit: int = FEED_SIZE) -> list[ActivityItem]:
        """The org's last ``limit`` actions, newest first, each with a sentence."""
        return [
            ActivityItem(r.seq, r.timestamp, r.actor, r.action, describe(r))
            for r in self._ledger.records(org_id, newest_first=True, limit=limit)
        ]
