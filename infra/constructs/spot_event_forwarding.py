"""Let customer accounts forward their Spot interruption signals to the hub's default event bus."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_events as events
from constructs import Construct

from infra.constants import SPOT_EVENT_SOURCE, SPOT_EVENT_TYPES


class SpotEventForwarding(Construct):
    """A resource policy on the default bus: ``events:PutEvents`` from any account, for the two
    ``aws.ec2`` Spot detail-types only.

    Customers are arbitrary accounts (no shared AWS Organization), so ``aws:PrincipalOrgID`` cannot
    narrow the principal. A forged event can at most raise a pool's risk flag for its TTL (see
    docs/deploy.md, "Spot event forwarding"); the Schedules rule routes them to worker-spot-events.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = events.CfnEventBusPolicy(
            self,
            "Policy",
            event_bus_name="default",
            statement_id="SpotHiveCustomerSpotEvents",
            statement={
                "Sid": "SpotHiveCustomerSpotEvents",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/default",
                "Condition": {
                    "StringEquals": {
                        "events:source": SPOT_EVENT_SOURCE,
                        "events:detail-type": list(SPOT_EVENT_TYPES),
                    },
                },
            },
        )
