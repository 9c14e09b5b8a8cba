"""Alarms on function errors, state-machine failures, every dead-letter queue and API 5xx."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


class Monitoring(Construct):
    """An encrypted, TLS-only SNS topic and one alarm per function, state machine and failure queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
        dead_letters: Mapping[str, sqs.IQueue],
        rest_api: apigw.RestApi,
        alarm_email: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key(self, "AlarmKey", enable_key_rotation=True, description="SpotHive alarm topic")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(
            self, "Alarms", display_name="SpotHive alarms", master_key=key, enforce_ssl=True
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, fn in sorted(functions.items()):
            self._alarm(f"{_construct_id(name)}Errors", f"{name} errors", fn.metric_errors(
                period=Duration.minutes(5), statistic="Sum"), action)
        for name, machine in sorted(state_machines.items()):
            self._alarm(f"{_construct_id(name)}Failed", f"{name} executions failed", machine.metric_failed(
                period=Duration.minutes(5), statistic="Sum"), action)
            self._alarm(f"{_construct_id(name)}TimedOut", f"{name} executions timed out",
                        machine.metric_timed_out(period=Duration.minutes(5), statistic="Sum"), action)
        for name, queue in sorted(dead_letters.items()):
            self._alarm(f"{_construct_id(name)}DeadLetters", f"{name} events dead-lettered after their retries "
                        "(redrive: docs/deploy.md)", queue.metric_approximate_number_of_messages_visible(
                            period=Duration.minutes(5), statistic="Maximum"), action)
        self._alarm("Api5xx", "API 5xx responses (bad input must be 4xx, never 5xx)",
                    rest_api.metric_server_error(period=Duration.minutes(5), statistic="Sum"), action)

    def _alarm(
        self, construct_id: str, what: str, metric: cloudwatch.IMetric, action: cw_actions.SnsAction
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=f"SpotHive: {what}",
            metric=metric,
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
        self.alarms.append(alarm)
