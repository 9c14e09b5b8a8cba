"""SVC-SCRAPE-01: every 6 h, ingest the Spot Advisor feed (``SPOTHIVE_ADVISOR_FEED``: URL or file)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from spothive.bootstrap import container

logger = Logger(service="spothive-advisor")


def handler(event: dict[str, Any] | None = None, context: object = None) -> dict[str, Any]:
    """Run one ingest pass and return its report (``status`` ``failed`` keeps the last state)."""
    report = container().advisor_ingest.run().as_dict()
    (logger.error if report["status"] == "failed" else logger.info)("advisor ingest", extra=report)
    return report
