"""WORK-HIB-01: every minute, sleep or wake each cluster whose hibernation schedule says so."""

from __future__ import annotations

from typing import Any

from spothive.observability import EVENT_BRIDGE, count, lambda_handler, logger
from spothive.wiring import configuration


@lambda_handler(EVENT_BRIDGE, component=("WORK-HIB-01", "APPLY-SCHEDULES"))
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one pass over the enabled schedules and return what changed."""
    summary = configuration.hibernation_worker().tick()
    result = {
        "evaluated": summary.evaluated,
        "transitions": summary.transitions,
        "dry_runs": summary.dry_runs,
        "failures": summary.failures,
    }
    count("DryRuns", summary.dry_runs)
    logger.info("hibernation pass finished", extra=result)
    return result
