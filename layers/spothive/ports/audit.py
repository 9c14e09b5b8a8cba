"""The hash-chained audit ledger and where exports are written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from spothive.domain.audit import AuditEntry, AuditRecord, ChainHead
from spothive.domain.audit_views import ExportLocation


class AuditLedger(Protocol):
    """The tenant's append-only, hash-chained audit ledger (reads; appends without a business change)."""

    def write(self, org_id: str, entry: AuditEntry) -> AuditRecord:
        """Append a record on its own (for changes that live outside the database, e.g. a revoked token)."""
        ...

    def head(self, org_id: str) -> ChainHead: ...

    def records(
        self, org_id: str, *, after_seq: int = 0, before_seq: int | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[AuditRecord]:
        """Records with ``after_seq < seq < before_seq`` in ``seq`` order (a Query on the tenant's partition)."""
        ...

    def get(self, org_id: str, seq: int) -> AuditRecord | None: ...


class ExportSink(Protocol):
    """Stores export files: an S3 bucket on AWS, the data directory locally."""

    def put(self, key: str, body: bytes, content_type: str) -> ExportLocation: ...
