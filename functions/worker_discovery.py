"""WORK-DISC-01: every 5 minutes scan all linked accounts; with ``org_id``/``account_id``, scan one."""

from __future__ import annotations

from typing import Any

from spothive.observability import EVENT_BRIDGE, count, lambda_handler, logger
from spothive.wiring import accounts


@lambda_handler(EVENT_BRIDGE, component=("WORK-DISC-01", "SCAN-ACCOUNTS"))
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run discovery and return a summary of the scans."""
    discovery = accounts.discovery()
    if event.get("org_id") and event.get("account_id"):
        record = discovery.scan_one(str(event["org_id"]), str(event["account_id"]))
        scans = [record] if record else []
    else:
        scans = discovery.scan_all().scans
    summary = {
        "scanned": len(scans),
        "failed": [s.account_id for s in scans if s.status == "failed"],
        "instances": sum(s.instances for s in scans),
        "clusters": sum(s.clusters for s in scans),
    }
    count("ScansFailed", len(summary["failed"]))
    logger.info("discovery pass finished", extra=summary)
    return summary
