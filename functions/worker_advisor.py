"""SVC-SCRAPE-01: every 6 h, ingest the Spot Advisor feed (``SPOTHIVE_ADVISOR_FEED``: URL or file)."""

from __future__ import annotations

from typing import Any

from spothive.observability import EVENT_BRIDGE, lambda_handler, logger
from spothive.wiring import risk


@lambda_handler(EVENT_BRIDGE, component=("SVC-SCRAPE-01", "INGEST-ADVISOR"))
def handler(event: dict[str, Any] | None = None, context: object = None) -> dict[str, Any]:
    """Run one ingest pass and return its report (``status`` ``failed`` keeps the last state)."""
    report = risk.advisor_ingest().run().as_dict()
    (logger.error if report["status"] == "failed" else logger.info)("advisor ingest", extra=report)
    return report
