"""Audit exports on the local disk (the embedded stack, where no exports bucket exists)."""

from __future__ import annotations

from pathlib import Path

from spothive.domain.audit_views import ExportLocation


class LocalExportSink:
    """``ExportSink`` writing under a data directory and returning a ``file://`` URL."""

    def __init__(self, root: str | Path) -> None:
        self._root = Path(root).resolve()

    def put(self, key: str, body: bytes, content_type: str) -> ExportLocation:
        target = (self._root / key).resolve()
        if self._root not in target.parents:
            raise ValueError(f"export key escapes the data directory: {key}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return ExportLocation(url=target.as_uri(), expires_in=None)
