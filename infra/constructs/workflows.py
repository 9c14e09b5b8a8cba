"""The Step Functions state machines: the very ASL files the local stack runs."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.nag import acknowledge
from spothive import topology


class Workflows(Construct):
    """One standard state machine per ``topology.STATE_MACHINES``, ``${...Arn}`` replaced by function ARNs.

    Each may invoke only the functions its definition names; all events are logged and traced.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, functions: Mapping[str, lambda_.IFunction],
        logs_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.state_machines: dict[str, sfn.StateMachine] = {}
        for spec in topology.STATE_MACHINES:
            construct_name = "".join(part.capitalize() for part in spec.name.split("-"))
            log_group = logs.LogGroup(
                self, f"{construct_name}Logs", retention=logs.RetentionDays.ONE_YEAR,
                removal_policy=RemovalPolicy.RETAIN, encryption_key=logs_key,
            )
            targets = {placeholder: functions[name] for placeholder, name in spec.tasks.items()}
            machine = sfn.StateMachine(
                self,
                construct_name,
                state_machine_type=sfn.StateMachineType.STANDARD,
                definition_body=sfn.DefinitionBody.from_string(spec.definition()),
                definition_substitutions={key: fn.function_arn for key, fn in targets.items()},
                tracing_enabled=True,
                logs=sfn.LogOptions(
                    destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
                ),
            )
            machine.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["lambda:InvokeFunction"],
                    resources=sorted({fn.function_arn for fn in targets.values()}, key=str),
                )
            )
            acknowledge(machine, "AwsSolutions-IAM5", "Resource::*",
                        reason="Logs delivery and X-Ray actions support no resource-level permissions.")
            self.state_machines[spec.name] = machine
