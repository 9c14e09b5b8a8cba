"""WORK-HIB-01: every minute, sleep or wake each cluster whose hibernation schedule says so."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from spothive.bootstrap import container

logger = Logger(service="spothive-hibernation")


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Run one pass over the enabled schedules and return what changed."""
    summary = container().hibernation_worker.tick()
    result = {
        "evaluated": summary.evaluated,
        "transitions": summary.transitions,
        "dry_runs": summary.dry_runs,
        "failures": summary.failures,
    }
    logger.info("hibernation pass finished", extra=result)
    return result
