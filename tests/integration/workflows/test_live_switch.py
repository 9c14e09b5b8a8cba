"""Given one On-Demand instance in a customer account, the live-switch state machine moves it to Spot."""

from __future__ import annotations

import json
import uuid

import pytest

from spothive.local.demo_customer import customer_session, seed_customer
from tests.support.wired import wired

pytestmark = pytest.mark.integration


@pytest.fixture
def instance(stack):  # type: ignore[no-untyped-def]
    account = str(uuid.uuid4().int)[:12].rjust(12, "2")
    customer = seed_customer(account, cluster_name=f"lab-{uuid.uuid4().hex[:6]}",
                             nodes=(("m5.xlarge", "on-demand", "b"),), extra_standalone=0)
    ec2 = customer_session(account).client("ec2", region_name="us-east-1")
    return customer, customer.instance_ids[0], ec2


def run(stack, customer, instance_id, **extra):  # type: ignore[no-untyped-def]
    experiment = f"exp-{uuid.uuid4().hex[:12]}"
    payload = {"experiment_id": experiment, "instance_id": instance_id, "role_arn": customer.role_arn,
               "region": "us-east-1", "poll_seconds": 0, **extra}
    described = stack.wait_execution(stack.start_execution("live-switch", payload, name=experiment))
    return described, wired().live_switch._lab.get(experiment)


def describe(ec2, instance_id):  # type: ignore[no-untyped-def]
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def test_switch_stops_the_original_and_boots_a_spot_copy_from_its_root_volume(stack, instance):
    customer, instance_id, ec2 = instance
    original = describe(ec2, instance_id)

    described, record = run(stack, customer, instance_id)

    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["outcome"] == "switched"
    assert [s["step"] for s in output["log"]] == ["prepare", "stop", "check_stopped", "launch_spot", "verify"]
    assert describe(ec2, instance_id)["State"]["Name"] == "stopped"
    spot = describe(ec2, output["spot_instance_id"])
    assert spot["State"]["Name"] == "running"
    assert spot["InstanceLifecycle"] == "spot"
    assert (spot["ImageId"], spot["SubnetId"], spot["InstanceType"]) == (
        original["ImageId"], original["SubnetId"], "m5.xlarge")
    snapshot = ec2.describe_snapshots(SnapshotIds=[output["snapshot_id"]])["Snapshots"][0]
    assert snapshot["VolumeId"] == output["instance"]["root_volume_id"]
    assert record["status"] == "switched"
    assert record["spot_instance_id"] == output["spot_instance_id"]
    telemetry = record["telemetry"]
    assert set(telemetry["durations_s"]) == {"stop", "launch", "total"}
    assert all(v >= 0 for v in telemetry["durations_s"].values())
    assert telemetry["prices"]["on_demand_per_hour"] == 0.192
    assert 0 < telemetry["prices"]["spot_per_hour"] < 0.192


def test_safe_mode_makes_every_step_a_recorded_dry_run(stack, instance, cache):
    customer, instance_id, ec2 = instance
    before = len(ec2.describe_instances()["Reservations"])
    cache.set("SAFE_MODE", "TRUE")
    try:
        described, record = run(stack, customer, instance_id)
    finally:
        cache.delete("SAFE_MODE")

    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["dry_run"] == "SAFE_MODE flag"
    assert output["would"] == ["stop", "check_stopped", "launch_spot", "verify"]
    assert all(s["dry_run"] for s in output["log"])
    assert describe(ec2, instance_id)["State"]["Name"] == "running"
    assert len(ec2.describe_instances()["Reservations"]) == before
    assert record["status"] == "dry_run"
    assert record["telemetry"]["would"] == ["stop", "check_stopped", "launch_spot", "verify"]


def test_a_failed_launch_rolls_back_by_starting_the_original(stack, instance):
    customer, instance_id, ec2 = instance
    from functions import live_switch_steps

    def failing_launch(event, context):  # type: ignore[no-untyped-def]
        if event["step"] == "launch_spot":
            raise RuntimeError("InsufficientInstanceCapacity: no Spot capacity for m5.xlarge")
        return live_switch_steps.handler(event, context)

    with stack.registry.override({"switch-step": failing_launch}):
        described, record = run(stack, customer, instance_id)

    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert [s["step"] for s in output["log"]] == ["prepare", "stop", "check_stopped", "rollback"]
    assert output["outcome"] == "rolled_back"
    assert describe(ec2, instance_id)["State"]["Name"] == "running"
    assert record["status"] == "rolled_back"
    assert record["telemetry"]["error"] == (
        "RuntimeError: InsufficientInstanceCapacity: no Spot capacity for m5.xlarge")
