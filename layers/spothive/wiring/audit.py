"""Audit: reading, verifying and exporting the ledger."""

from __future__ import annotations

from spothive import settings
from spothive.adapters.aws.export_sink import S3ExportSink
from spothive.adapters.local_export_sink import LocalExportSink
from spothive.ports.audit import ExportSink
from spothive.services.audit import AuditService
from spothive.settings import ExportSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component


@component
def export_sink() -> ExportSink:
    """Presigned S3 links on AWS, files under the data directory locally."""
    s = settings.load(ExportSettings)
    if s.exports_bucket:
        return S3ExportSink(s.exports_bucket, kernel.core().region)
    return LocalExportSink(s.data_dir)


@component
def audit() -> AuditService:
    """The ledger's queries, diff, export and verification."""
    return AuditService(kernel.ledger(), export_sink(), kernel.clock())
