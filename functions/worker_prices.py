"""SVC-PRICE-01: every 5 minutes, refresh hot Spot and On-Demand prices."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from spothive.bootstrap import container

logger = Logger(service="spothive-prices")


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Refresh and report how many prices were stored."""
    result = container().price_refresher.refresh()
    summary = {"spot_pools": result.spot_pools, "on_demand_types": result.on_demand_types}
    logger.info("prices refreshed", extra=summary)
    return summary
