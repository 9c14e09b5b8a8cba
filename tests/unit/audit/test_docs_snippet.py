"""The verification snippet in docs/audit.md verifies a real export and rejects a tampered one."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spothive.domain.audit import AuditEntry, ChainHead, next_record
from spothive.domain.audit_export import ExportFormat, checksum, render

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit.md"


def _snippet() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return next(b for b in blocks if "sys.argv" in b)


def test_snippet_accepts_an_export_and_names_an_edited_record(tmp_path: Path) -> None:
    # Given a 3-record JSON Lines export with non-ASCII content
    head, records = ChainHead(), []
    for n in range(3):
        entry = AuditEntry("user:u1", "policy.update", "policy", "c-1", after={"note": f"größer {n}", "ratio": 0.25})
        record = next_record("org-1", head, entry, datetime(2026, 3, 8, tzinfo=UTC) + timedelta(seconds=n))
        records.append(record)
        head = ChainHead(record.seq, record.hash)
    data = render(records, ExportFormat.JSONL)
    script, export = tmp_path / "verify.py", tmp_path / "export.jsonl"
    script.write_text(_snippet(), encoding="utf-8")
    export.write_bytes(data)
    # When the snippet checks it, Then it passes
    ok = subprocess.run([sys.executable, str(script), str(export), checksum(data)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: (3, ")
    # And when record 2 is edited and the checksum recomputed, it names record 2
    tampered = data.replace("größer 1".encode(), "größer 9".encode())
    export.write_bytes(tampered)
    bad = subprocess.run([sys.executable, str(script), str(export), checksum(tampered)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "record 2 was edited" in bad.stderr
