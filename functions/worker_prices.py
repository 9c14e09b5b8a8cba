"""SVC-PRICE-01: every 5 minutes, refresh every scanned region's hot Spot and On-Demand prices."""

from __future__ import annotations

from typing import Any

from spothive.observability import EVENT_BRIDGE, lambda_handler, logger
from spothive.wiring import pricing


@lambda_handler(EVENT_BRIDGE, component=("SVC-PRICE-01", "REFRESH-PRICES"))
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Refresh and report how many prices were stored."""
    result = pricing.price_refresher().refresh()
    summary = {"spot_pools": result.spot_pools, "on_demand_types": result.on_demand_types,
               "regions": list(result.regions)}
    logger.info("prices refreshed", extra=summary)
    return summary
