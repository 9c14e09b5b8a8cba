"""``/api/audit``: the tenant's tamper-evident ledger: list, show, diff, export, verify.

Access pattern: every endpoint Queries the caller's own partition of the audit table (``org_id`` =
the caller's org, sort key ``seq``), newest first; filters run over the pages as they arrive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from spothive.api.deps import CurrentPrincipal
from spothive.api.formats import IsoDateTime
from spothive.domain.audit import AuditRecord
from spothive.domain.audit_export import ExportFormat
from spothive.domain.audit_views import AuditFilter
from spothive.domain.errors import InvalidInput
from spothive.services.audit import AuditService
from spothive.wiring import audit as audit_wiring

router = APIRouter(prefix="/api/audit", tags=["audit"])
Audit = Annotated[AuditService, Depends(audit_wiring.audit)]


class AuditLog(BaseModel):
    id: int
    seq: int
    timestamp: str
    actor: str
    actor_type: str
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    prev_hash: str
    hash: str


class AuditLogList(BaseModel):
    logs: list[AuditLog]
    next_cursor: str | None


class Change(BaseModel):
    path: str
    before: Any
    after: Any


class AuditDiff(BaseModel):
    id: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changes: list[Change]


class ExportResponse(BaseModel):
    file_url: str
    checksum: str
    checksum_algorithm: str = "sha256"
    format: str
    records: int
    bytes: int
    expires_in: int | None
    audit_id: int


class ChainBreakOut(BaseModel):
    seq: int
    kind: str
    detail: str


class VerifyResponse(BaseModel):
    ok: bool
    records: int
    breaks: list[ChainBreakOut]


def audit_log(record: AuditRecord) -> AuditLog:
    """The public view of a record (every stored field, so a reader can recompute its hash)."""
    return AuditLog(
        id=record.seq, seq=record.seq, timestamp=record.timestamp, actor=record.actor,
        actor_type=record.actor_type, action=record.action, resource_type=record.resource_type,
        resource_id=record.resource_id, before=record.before, after=record.after, reason=record.reason,
        prev_hash=record.prev_hash, hash=record.hash,
    )


def _utc(moment: datetime | None) -> datetime | None:
    """Timestamps without a zone are read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _window(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    since, until = _utc(since), _utc(until)
    if since and until and since > until:
        raise InvalidInput("from must not be later than to", field="from")
    return since, until


Since = Annotated[IsoDateTime | None, Query(alias="from", description="inclusive lower bound, ISO 8601 (UTC if no zone)")]
Until = Annotated[IsoDateTime | None, Query(alias="to", description="inclusive upper bound, ISO 8601 (UTC if no zone)")]
RecordId = Annotated[int, Path(ge=1, description="the record's seq in the caller's chain")]


@router.get("", response_model=AuditLogList)
def list_logs(
    principal: CurrentPrincipal,
    audit: Audit,
    since: Since = None,
    until: Until = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    resource_type: Annotated[str | None, Query(max_length=100)] = None,
    resource_id: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=20, description="next_cursor of the previous page")] = None,
) -> AuditLogList:
    """The caller's records, newest first, filtered, ``limit`` a page; pass ``next_cursor`` back for more."""
    since, until = _window(since, until)
    where = AuditFilter(actor=actor, action=action, resource_type=resource_type, resource_id=resource_id,
                        since=since, until=until)
    page = audit.search(principal.org_id, where, limit=limit, cursor=cursor)
    return AuditLogList(logs=[audit_log(r) for r in page.records], next_cursor=page.next_cursor)


@router.get("/export", response_model=ExportResponse)
def export(
    principal: CurrentPrincipal,
    audit: Audit,
    format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl",
    since: Since = None,
    until: Until = None,
) -> ExportResponse:
    """A JSON Lines or CSV file of the records in the window, with the SHA-256 of its bytes."""
    since, until = _window(since, until)
    result = audit.export(principal, ExportFormat(format), since, until)
    return ExportResponse(
        file_url=result.file_url, checksum=result.checksum, format=result.format.value, records=result.records,
        bytes=result.size, expires_in=result.expires_in, audit_id=result.audit_seq,
    )


@router.get("/verify", response_model=VerifyResponse)
def verify(principal: CurrentPrincipal, audit: Audit) -> VerifyResponse:
    """Recompute every hash and link of the caller's chain; ``breaks`` names each record that fails."""
    report = audit.verify(principal.org_id)
    return VerifyResponse(
        ok=report.ok, records=report.records,
        breaks=[ChainBreakOut(seq=b.seq, kind=b.kind, detail=b.detail) for b in report.breaks],
    )


@router.get("/{id}", response_model=AuditLog)
def get_log(id: RecordId, principal: CurrentPrincipal, audit: Audit) -> AuditLog:
    """One record of the caller's chain (404 for any other)."""
    return audit_log(audit.get(principal.org_id, id))


@router.get("/{id}/diff", response_model=AuditDiff)
def diff(id: RecordId, principal: CurrentPrincipal, audit: Audit) -> AuditDiff:
    """Field-level changes between the record's ``before`` and ``after`` (e.g. ``max_nodes: 10 → 15``)."""
    return AuditDiff.model_validate(audit.diff(principal.org_id, id))
