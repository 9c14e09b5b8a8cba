"""The served model's recalibration history and the model card's "Recalibrations" section. Pure: stdlib only.

One document per model version: ``{"model_version", "version", "calibration", "records": [...]}``. A
fitted record bumps ``version`` and replaces ``calibration`` (the map the model serves); a skipped one is
kept in ``records`` with its reason and changes nothing else. Records are appended, never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: At most this many records are kept per model version (the oldest fall off the card).
MAX_RECORDS = 200


def empty_document(model_version: str) -> dict[str, Any]:
    """A model version that was never recalibrated: the identity map, version 0."""
    return {"model_version": model_version, "version": 0, "calibration": None, "records": []}


def append_record(document: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The document with ``record`` appended; a ``fitted`` record (with ``calibration``) becomes the served map."""
    doc = {**document, "records": [*document.get("records", []), dict(record)][-MAX_RECORDS:]}
    if record.get("status") == "fitted" and record.get("calibration"):
        doc["version"] = int(document.get("version", 0)) + 1
        doc["calibration"] = dict(record["calibration"])
        doc["records"][-1]["calibration_version"] = doc["version"]
    return doc


def _figure(block: Mapping[str, Any] | None, name: str) -> str:
    if not block or block.get(name) is None:
        return "—"
    return f"{float(block[name]):.4f}"


def _change(record: Mapping[str, Any], name: str) -> str:
    return f"{_figure(record.get('before'), name)} → {_figure(record.get('after'), name)}"


def recalibrations_markdown(records: Sequence[Mapping[str, Any]]) -> str:
    """The dated "Recalibrations" table, oldest first (one row per ingest that changed pools)."""
    lines = [
        "## Recalibrations",
        "",
        "Fitted by the Spot Advisor ingest on each feed that changed pools: the served model's forecasts from "
        "the previous feed against the new feed's labels (bucket >= 3). \"After\" is cross-fitted (never "
        "in-sample). The map is `logit p' = a + b * logit p`.",
        "",
        "| date | feed | status | n | high share | ECE before → after | log-loss before → after "
        "| Brier before → after | a | b | version |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        served = r.get("calibration") or {}
        status = r.get("status", "")
        if r.get("reason"):
            status = f"{status}: {r['reason']}"
        lines.append(
            f"| {r.get('observed_at', '')} | {r.get('feed_date', '')} | {status} | {r.get('n', 0)} "
            f"| {float(r.get('observed_rate', 0.0)):.3f} | {_change(r, 'ece')} | {_change(r, 'log_loss')} "
            f"| {_change(r, 'brier')} | {served.get('intercept', '—')} | {served.get('slope', '—')} "
            f"| {r.get('calibration_version', '—')} |"
        )
    return "\n".join(lines) + "\n"


def model_card(document: Mapping[str, Any], base: str = "") -> str:
    """The stored model card: the base card (or a heading) followed by the Recalibrations section."""
    head = base.rstrip() or f"# Model card: {document.get('model_version', '')}"
    return f"{head}\n\n{recalibrations_markdown(document.get('records', []))}"
