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
    """``rate(N minutes)`` rules from ``topology.SCHEDULES`` and the Spot event rule.

    Every target is an ``async_invoked`` function; an event EventBridge cannot deliver goes to the same
    dead-letter queue as the events the function itself failed on (``dead_letters``, by function name).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        dead_letters: Mapping[str, sqs.IQueue],
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
            rule.add_target(self._target(spec.function, functions, dead_letters))
            self.rules[spec.name] = rule
        self.spot_events = events.Rule(
            self,
            "SpotEvents",
            description="SpotHive: Spot interruption warnings and rebalance recommendations from the hub and "
            "customer accounts (hive mind)",
            event_pattern=events.EventPattern(source=[SPOT_EVENT_SOURCE], detail_type=list(SPOT_EVENT_TYPES)),
        )
        self.spot_events.add_target(self._target(SPOT_EVENTS_FUNCTION, functions, dead_letters))

    @staticmethod
    def _target(name: str, functions: Mapping[str, lambda_.IFunction],
                dead_letters: Mapping[str, sqs.IQueue]) -> targets.LambdaFunction:
        if not topology.function(name).async_invoked or name not in dead_letters:
            raise ValueError(f"{name} is an EventBridge target: declare it async_invoked in the topology")
        return targets.LambdaFunction(
            functions[name], dead_letter_queue=dead_letters[name], retry_attempts=topology.ASYNC_RETRIES,
            max_event_age=Duration.seconds(topology.ASYNC_MAX_EVENT_AGE_S),
        )
