"""WORK-DISC-01: every 5 minutes scan all linked accounts; with ``org_id``/``account_id``, scan one."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from spothive.bootstrap import container

logger = Logger(service="spothive-discovery")


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run discovery and return a summary of the scans."""
    services = container()
    if event.get("org_id") and event.get("account_id"):
        record = services.discovery.scan_one(str(event["org_id"]), str(event["account_id"]))
        scans = [record] if record else []
    else:
        scans = services.discovery.scan_all().scans
    summary = {
        "scanned": len(scans),
        "failed": [s.account_id for s in scans if s.status == "failed"],
        "instances": sum(s.instances for s in scans),
        "clusters": sum(s.clusters for s in scans),
    }
    logger.info("discovery pass finished", extra=summary)
    return summary
