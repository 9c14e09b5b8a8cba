"""SVC-RISK-GLB: an EC2 Spot interruption warning or rebalance recommendation (EventBridge) or an agent
report → an anonymous pool flag in the hive mind. A bad event is logged and dropped (no retry helps);
the cache being down raises so that the asynchronous invoke retries."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from spothive.bootstrap import container
from spothive.domain.errors import InvalidInput

logger = Logger(service="spothive-spot-events")


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Ingest one event and return what happened to it."""
    try:
        result = container().hive_mind.ingest(event)
    except InvalidInput as exc:
        logger.warning("spot event dropped", extra={"field": exc.field, "error": exc.message})
        return {"status": "invalid", "field": exc.field, "reason": exc.message}
    logger.info("spot event ingested", extra=result.as_dict())
    return result.as_dict()
