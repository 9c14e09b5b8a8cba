"""Worker health: the endpoint over the local runtime's counters, and the AWS adapter over moto."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from spothive.adapters.aws.run_telemetry import AwsRunTelemetry, LocalRunTelemetry
from spothive.adapters.cache.safe_mode import SAFE_MODE_KEY
from spothive.adapters.memory.run_counters import RunCounters
from spothive.wiring import admin, kernel
from tests.integration.slice.helpers import api, signup
from tests.integration.slice.test_impersonation import _admin

pytestmark = pytest.mark.integration
REGION = "us-east-1"


def test_the_report_shows_each_worker_and_state_machine_and_safe_mode(hub: dict[str, str]) -> None:
    # Given the local counters saw discovery succeed, then fail, within the hour, and SAFE_MODE is on
    now = datetime.now(UTC)
    counters = RunCounters()
    counters.record("worker-discovery", now - timedelta(minutes=10), ok=True)
    counters.record("worker-discovery", now - timedelta(minutes=5), ok=False)
    counters.record("worker-hibernation", now - timedelta(hours=2), ok=True)
    admin.run_telemetry.set_override(LocalRunTelemetry(counters, {}, {}, REGION, os.environ["AWS_ENDPOINT_URL"]))
    kernel.cache().set(SAFE_MODE_KEY, "TRUE")
    try:
        client = api()
        response = client.get("/api/admin/health/workers", headers=_admin(client))
    finally:
        kernel.cache().delete(SAFE_MODE_KEY)
    # Then every schedule and state machine has a row with its component id
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {w["name"]: w for w in body["workers"]}
    assert set(rows) == {"worker-discovery", "worker-prices", "worker-advisor", "worker-hibernation", "worker-report",
                         "worker-optimize", "optimization", "live-switch"}
    discovery = rows["worker-discovery"]
    assert discovery["component_id"] == "WORK-DISC-01"
    assert (discovery["runs_last_hour"], discovery["failures_last_hour"]) == (2, 1)
    assert datetime.fromisoformat(discovery["last_success"]) < datetime.fromisoformat(discovery["last_run"])
    # And a run two hours ago is the last run, but not in the last hour
    assert rows["worker-hibernation"]["last_run"] is not None and rows["worker-hibernation"]["runs_last_hour"] == 0
    assert rows["worker-prices"]["last_run"] is None
    assert body["status"] == "green" and body["safe_mode"] is True
    assert body["thresholds"] == {"yellow_at": 100, "red_above": 500}


def test_only_super_admins_see_it(hub: dict[str, str]) -> None:
    client = api()
    assert client.get("/api/admin/health/workers", headers=signup(client).headers).status_code == 403
    assert client.get("/api/admin/health/workers").status_code == 401


def test_the_aws_adapter_reads_cloudwatch_step_functions_and_sqs(hub: dict[str, str]) -> None:
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    name = f"worker-{uuid.uuid4().hex[:6]}"
    # Given Lambda metrics for a function: 3 invocations with 1 error ten minutes ago, 2 clean ones an hour
    # and a half ago
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for minutes, invocations, errors in ((10, 3, 1), (90, 2, 0)):
        at = now - timedelta(minutes=minutes)
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": metric, "Dimensions": [{"Name": "FunctionName", "Value": name}], "Timestamp": at,
             "Value": value, "Unit": "Count"} for metric, value in (("Invocations", invocations), ("Errors", errors))])
    # And a failure queue holding two events, and a state machine with two executions under way
    sqs = boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName=f"failures-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    for n in range(2):
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"n": n}))
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": True}}})
    machine = sfn.create_state_machine(name=f"m-{uuid.uuid4().hex[:6]}", definition=definition,
                                       roleArn="arn:aws:iam::123456789012:role/states")["stateMachineArn"]
    for n in range(2):
        sfn.start_execution(stateMachineArn=machine, name=f"run-{n}")
    telemetry = AwsRunTelemetry({"worker-x": name}, {"optimization": machine}, {"worker-x": queue}, REGION, endpoint)
    # When it is read
    runs = telemetry.function_runs("worker-x", now + timedelta(minutes=1))
    # Then the last run is ten minutes ago, its errors counted in the last hour and not the older run
    assert runs.last_run == now - timedelta(minutes=10)
    assert (runs.runs_last_hour, runs.failures_last_hour) == (3, 1)
    assert runs.last_success == now - timedelta(minutes=10)
    assert telemetry.failed_events("worker-x") == 2
    assert telemetry.failed_events("worker-without-a-queue") == 0
    assert telemetry.running_executions("optimization") == 2
    machine_runs = telemetry.state_machine_runs("optimization", datetime.now(UTC))
    assert machine_runs.runs_last_hour == 2 and machine_runs.last_success is None
    # And an unknown state machine reads as idle rather than failing
    assert telemetry.running_executions("unknown") == 0
