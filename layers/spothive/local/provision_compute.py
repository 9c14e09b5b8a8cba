"""The compute side of the local provisioning: Lambda functions (code runs in process), the state machines
from the very ASL CDK deploys, and the EventBridge rules with their dead-letter targets."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from botocore.exceptions import ClientError

from spothive import topology
from spothive.local.events import SPOT_EVENT_PATTERN, SPOT_EVENTS_FUNCTION

RUNTIME = "python3.12"


def error_code(error: ClientError) -> str:
    """The AWS error code of a botocore ``ClientError``."""
    return str(error.response.get("Error", {}).get("Code", ""))


def role(iam: Any, name: str, service: str) -> str:
    """The IAM role ``name`` that ``service`` may assume, created when missing; its ARN."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])


def _stub_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "SpotHive local function: invocations run the in-process handler.\n")
    return buffer.getvalue()


def create_functions(lam: Any, role_arn: str) -> dict[str, str]:
    """One Lambda function per topology spec, named as the spec, so ARNs exist; code runs in process."""
    arns: dict[str, str] = {}
    code = _stub_zip()
    for spec in topology.ALL_FUNCTIONS:
        name = spec.name
        try:
            arns[spec.name] = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
            continue
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
        response = lam.create_function(
            FunctionName=name, Runtime=RUNTIME, Role=role_arn, Handler=f"functions.{spec.handler}",
            Code={"ZipFile": code}, Description=spec.description, Timeout=spec.timeout_s,
            MemorySize=spec.memory_mb,
        )
        arns[spec.name] = response["FunctionArn"]
    return arns


def render_definition(spec: topology.StateMachineSpec, function_arns: dict[str, str]) -> str:
    """The ASL with every ``${Placeholder}`` replaced by its function's ARN."""
    text = spec.definition()
    for placeholder, function in spec.tasks.items():
        text = text.replace("${" + placeholder + "}", function_arns[function])
    if "${" in text:
        raise ValueError(f"state machine {spec.name} has an unmapped placeholder")
    return text


def create_state_machines(sfn: Any, role_arn: str, prefix: str,
                          function_arns: dict[str, str]) -> dict[str, str]:
    """Both state machines, definitions kept in step with the ASL files."""
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    arns: dict[str, str] = {}
    for spec in topology.STATE_MACHINES:
        name = f"{prefix}-{spec.name}"
        definition = render_definition(spec, function_arns)
        if name in existing:
            arns[spec.name] = existing[name]
            sfn.update_state_machine(stateMachineArn=existing[name], definition=definition)
        else:
            arns[spec.name] = sfn.create_state_machine(name=name, definition=definition,
                                                       roleArn=role_arn)["stateMachineArn"]
    return arns


def schedule_expression(minutes: int) -> str:
    """EventBridge ``rate(...)`` for a cadence in minutes."""
    return f"rate({minutes} minute{'s' if minutes != 1 else ''})"


def attach_dead_letters(lam: Any, queue_arns: dict[str, str]) -> None:
    """Each ``async_invoked`` function's retry policy, as the CDK app configures it. moto keeps no
    ``DeadLetterConfig`` on functions, so the queue is known from :attr:`Provisioned.dead_letters`."""
    for name in queue_arns:
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=topology.ASYNC_RETRIES,
                                             MaximumEventAgeInSeconds=topology.ASYNC_MAX_EVENT_AGE_S)


def create_rules(events: Any, prefix: str, function_arns: dict[str, str],
                 dead_letters: dict[str, str] | None = None) -> dict[str, str]:
    """A rule per schedule and one for Spot signals, targeting their functions (stored, never fired:
    the ticker fires the schedules, :func:`spothive.local.events.spot_event` builds the signals); each
    target names its function's dead-letter queue (ARN) and retry policy, as on AWS."""
    def target(function: str) -> dict[str, Any]:
        queue = (dead_letters or {}).get(function)
        extra = {"DeadLetterConfig": {"Arn": queue}, "RetryPolicy": {
            "MaximumRetryAttempts": topology.ASYNC_RETRIES,
            "MaximumEventAgeInSeconds": topology.ASYNC_MAX_EVENT_AGE_S}} if queue else {}
        return {"Id": function, "Arn": function_arns[function], **extra}

    arns: dict[str, str] = {}
    for spec in topology.SCHEDULES:
        name = f"{prefix}-{spec.name}"
        arns[spec.name] = events.put_rule(Name=name, ScheduleExpression=schedule_expression(spec.minutes),
                                          State="ENABLED", Description=spec.description)["RuleArn"]
        events.put_targets(Rule=name, Targets=[target(spec.function)])
    name = f"{prefix}-spot-events"
    rule = events.put_rule(Name=name, EventPattern=json.dumps(SPOT_EVENT_PATTERN), State="ENABLED",
                           Description="EC2 Spot interruption signals")
    arns["spot-events"] = rule["RuleArn"]
    events.put_targets(Rule=name, Targets=[target(SPOT_EVENTS_FUNCTION)])
    return arns
