"""SVC-RISK-GLB: an EC2 Spot interruption warning or rebalance recommendation (EventBridge) or an agent
report → an anonymous pool flag in the hive mind. A bad event is logged and dropped (no retry helps);
the cache being down raises so that the asynchronous invoke retries."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import ValidationError, parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from spothive.domain.errors import InvalidInput
from spothive.observability import EVENT_BRIDGE, count, lambda_handler, logger
from spothive.wiring import risk


@lambda_handler(EVENT_BRIDGE, component=("SVC-RISK-GLB", "FLAG-POOL"))
def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Ingest one event and return what happened to it."""
    if "detail-type" in event:  # an EventBridge envelope (agent reports arrive in the hub's own shape)
        try:
            parse(event=event, model=EventBridgeModel)
        except ValidationError as exc:
            field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "event"
            logger.warning("spot event dropped", extra={"field": field, "error": "not an EventBridge event"})
            return {"status": "invalid", "field": field, "reason": "not an EventBridge event"}
    try:
        result = risk.hive_mind().ingest(event)
    except InvalidInput as exc:
        logger.warning("spot event dropped", extra={"field": exc.field, "error": exc.message})
        return {"status": "invalid", "field": exc.field, "reason": exc.message}
    summary = result.as_dict()
    summary["ab_test"] = _observe_for_ab_tests(event)
    count("FlagsIngested", 1 if summary.get("flagged") else 0)
    logger.info("spot event ingested", extra=summary)
    return summary


def _observe_for_ab_tests(event: dict[str, Any]) -> bool:
    """Record the signal against the model of an A/B test the instance is in; never fails the ingest."""
    try:
        from spothive.wiring import lab  # the lab's wiring loads only once an event arrives, not at cold start

        return lab.arm_observer().observe_event(event)
    except Exception as exc:  # the lab is an observer here: the hive mind's ingest already happened
        logger.warning("A/B observation skipped", extra={"error": f"{type(exc).__name__}: {exc}"})
        return False
