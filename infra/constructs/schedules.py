"""EventBridge rules: the topology's schedules and the EC2 Spot interruption signals."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import SPOT_EVENT_SOURCE, SPOT_EVENT_TYPES
from spothive import topology

SPOT_EVENTS_FUNCTION = "worker-spot-events"


class Schedules(Construct):
    """``rate(N minutes)`` rules from ``topology.SCHEDULES`` and the Spot event rule; undeliverable
    events go to ``dead_letters``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rules: dict[str, events.Rule] = {}
        for spec in topology.SCHEDULES:
            rule = events.Rule(
                self,
                "".join(part.capitalize() for part in spec.name.split("-")),
                description=f"SpotHive {spec.name}: {spec.description}",
                schedule=events.Schedule.expression(spec.cron) if spec.cron
                else events.Schedule.rate(Duration.minutes(spec.minutes)),
            )
            rule.add_target(self._target(functions[spec.function], dead_letters))
            self.rules[spec.name] = rule
        self.spot_events = events.Rule(
            self,
            "SpotEvents",
            description="SpotHive: Spot interruption warnings and rebalance recommendations from the hub and "
            "customer accounts (hive mind)",
            event_pattern=events.EventPattern(source=[SPOT_EVENT_SOURCE], detail_type=list(SPOT_EVENT_TYPES)),
        )
        self.spot_events.add_target(self._target(functions[SPOT_EVENTS_FUNCTION], dead_letters))

    @staticmethod
    def _target(fn: lambda_.IFunction, dead_letters: sqs.IQueue) -> targets.LambdaFunction:
        return targets.LambdaFunction(
            fn, dead_letter_queue=dead_letters, retry_attempts=2, max_event_age=Duration.hours(1)
        )
