"""WORK-RPT-01: every Monday 08:00 UTC, e-mail each org its weekly report."""

from __future__ import annotations

from typing import Any

from spothive.observability import EVENT_BRIDGE, count, lambda_handler, logger
from spothive.wiring import reports


@lambda_handler(EVENT_BRIDGE, component=("WORK-RPT-01", "SEND-REPORTS"))
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Send the reports; a summary of how many went out."""
    summary = reports.weekly_reports().send_all()
    result = {"orgs": summary.orgs, "sent": summary.sent, "opted_out": summary.opted_out, "failed": summary.failed}
    count("ReportsSent", summary.sent)
    count("ReportsFailed", len(summary.failed))
    logger.info("weekly reports sent", extra=result)
    return result
