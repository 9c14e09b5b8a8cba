"""WORK-OPT-01: every hour, and after discovery scans an account (``org_id``/``account_id``), start each
cluster's optimization job as its policy mode says (off: nothing; recommend: a preview; auto: execute)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from spothive.observability import EVENT_BRIDGE, count, lambda_handler, logger
from spothive.wiring import automation


@lambda_handler(EVENT_BRIDGE, component=("WORK-OPT-01", "AUTOMATE"))
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one automation pass and return what it started for each cluster."""
    worker = automation.worker()
    if event.get("org_id"):
        account = str(event["account_id"]) if event.get("account_id") else None
        outcomes = worker.run_org(str(event["org_id"]), account, trigger=str(event.get("trigger") or "discovery"))
    else:
        outcomes = worker.run_all()
    started = [o for o in outcomes if o.started]
    result = {
        "clusters": len(outcomes),
        "previews": sum(1 for o in started if o.dry_run),
        "executions": sum(1 for o in started if not o.dry_run),
        "outcomes": [asdict(o) for o in outcomes],
    }
    count("AutomatedJobs", len(started))
    logger.info("automation pass finished", extra={k: v for k, v in result.items() if k != "outcomes"})
    return result
