"""EC2 Spot signals as EventBridge delivers them, for the local stack to feed ``worker-spot-events``.

On AWS an EventBridge rule (``source: aws.ec2``) routes these to the function; locally nothing emits
them, so demos and tests build them here and :meth:`LocalStack.emit_spot_event` delivers them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

INTERRUPTION_WARNING = "EC2 Spot Instance Interruption Warning"
REBALANCE_RECOMMENDATION = "EC2 Instance Rebalance Recommendation"
SPOT_EVENT_TYPES = (INTERRUPTION_WARNING, REBALANCE_RECOMMENDATION)
SPOT_EVENT_PATTERN: dict[str, list[str]] = {"source": ["aws.ec2"], "detail-type": list(SPOT_EVENT_TYPES)}
SPOT_EVENTS_FUNCTION = "worker-spot-events"


def spot_event(instance_id: str, *, detail_type: str = INTERRUPTION_WARNING, region: str = "us-east-1",
               account: str = "123456789012", when: datetime | None = None) -> dict[str, Any]:
    """An interruption warning (``instance-action: terminate``) or a rebalance recommendation."""
    if detail_type not in SPOT_EVENT_TYPES:
        raise ValueError(f"not a Spot signal: {detail_type}")
    when = (when or datetime.now(UTC)).astimezone(UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    detail: dict[str, Any] = {"instance-id": instance_id}
    if detail_type == INTERRUPTION_WARNING:
        detail["instance-action"] = "terminate"
    else:
        detail["rebalance-recommendation-time"] = stamp
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.ec2",
        "account": account,
        "time": stamp,
        "region": region,
        "resources": [f"arn:aws:ec2:{region}:{account}:instance/{instance_id}"],
        "detail": detail,
    }
