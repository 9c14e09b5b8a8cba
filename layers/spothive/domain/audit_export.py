"""Audit exports as bytes: JSON Lines or CSV, and the SHA-256 checksum a reader checks them against."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict
from enum import StrEnum

from spothive.domain.audit import AuditRecord, canonical_json

#: CSV columns, in order (``before`` and ``after`` are canonical JSON text, empty when absent).
CSV_COLUMNS = (
    "org_id", "seq", "timestamp", "actor", "action", "resource_type", "resource_id",
    "before", "after", "reason", "prev_hash", "hash",
)


class ExportFormat(StrEnum):
    """File formats of an export."""

    JSONL = "jsonl"
    CSV = "csv"

    @property
    def content_type(self) -> str:
        """The MIME type of the file."""
        return "application/x-ndjson" if self is ExportFormat.JSONL else "text/csv"


def render_jsonl(records: list[AuditRecord]) -> bytes:
    """One record a line, as canonical JSON (every field, ``hash`` included), UTF-8, ``\\n`` after each."""
    return "".join(canonical_json(asdict(r)) + "\n" for r in records).encode("utf-8")


def render_csv(records: list[AuditRecord]) -> bytes:
    """A header row, then one row a record (RFC 4180 quoting, ``\\r\\n`` line ends), UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        row = asdict(record)
        for doc in ("before", "after"):
            row[doc] = "" if row[doc] is None else canonical_json(row[doc])
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def render(records: list[AuditRecord], fmt: ExportFormat) -> bytes:
    """The export file's bytes in ``fmt``."""
    return render_jsonl(records) if fmt is ExportFormat.JSONL else render_csv(records)


def checksum(data: bytes) -> str:
    """SHA-256 (hex) of the file bytes."""
    return hashlib.sha256(data).hexdigest()
