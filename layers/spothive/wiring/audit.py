"""Audit: reading, verifying and exporting the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import ExportSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.ports.audit import ExportSink
    from spothive.services.audit import AuditService


@component
def export_sink() -> ExportSink:
    """Presigned S3 links on AWS, files under the data directory locally."""
    from spothive.adapters.aws.export_sink import S3ExportSink
    from spothive.adapters.local_export_sink import LocalExportSink

    s = settings.load(ExportSettings)
    if s.exports_bucket:
        return S3ExportSink(s.exports_bucket, kernel.core().region)
    return LocalExportSink(s.data_dir)


@component
def audit() -> AuditService:
    """The ledger's queries, diff, export and verification."""
    from spothive.services.audit import AuditService

    return AuditService(kernel.ledger(), export_sink(), kernel.clock())
