"""Given one On-Demand instance in a customer account, the live-switch state machine moves it to Spot carrying
its subnet, security groups, instance profile, key pair, user data, tags and data volumes, and rolls back."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from spothive.local.demo_customer import customer_session, seed_customer
from tests.support.wired import wired

pytestmark = pytest.mark.integration

USER_DATA = "#!/bin/bash\necho 'spothive lab' > /etc/motd\n"


@pytest.fixture
def instance(stack):  # type: ignore[no-untyped-def]
    """A web server with everything a relaunch could lose: groups, profile, key, user data, tags, two data volumes."""
    account = str(uuid.uuid4().int)[:12].rjust(12, "2")
    customer = seed_customer(account, cluster_name=f"lab-{uuid.uuid4().hex[:6]}",
                             nodes=(("m5.xlarge", "on-demand", "b"),), extra_standalone=0)
    session = customer_session(account)
    ec2, iam = session.client("ec2", region_name="us-east-1"), session.client("iam", region_name="us-east-1")
    node = describe(ec2, customer.instance_ids[0])
    groups = [ec2.create_security_group(GroupName=f"{name}-{uuid.uuid4().hex[:6]}", Description=name,
                                        VpcId=node["VpcId"])["GroupId"] for name in ("web", "ssh")]
    profile = iam.create_instance_profile(InstanceProfileName=f"web-{uuid.uuid4().hex[:6]}")["InstanceProfile"]
    key = ec2.create_key_pair(KeyName=f"ops-{uuid.uuid4().hex[:6]}")["KeyName"]
    launched = ec2.run_instances(
        ImageId=node["ImageId"], InstanceType="m5.xlarge", MinCount=1, MaxCount=1, SubnetId=node["SubnetId"],
        SecurityGroupIds=groups, IamInstanceProfile={"Arn": profile["Arn"]}, KeyName=key, UserData=USER_DATA,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            {"Key": "Name", "Value": "web-1"}, {"Key": "team", "Value": "payments"},
            {"Key": "spothive:managed", "Value": "true"}]}],
    )["Instances"][0]
    zone = launched["Placement"]["AvailabilityZone"]
    volumes = []
    for device in ("/dev/sdf", "/dev/sdg"):
        volume = ec2.create_volume(AvailabilityZone=zone, Size=20, TagSpecifications=[{
            "ResourceType": "volume", "Tags": [{"Key": "spothive:managed", "Value": "true"}]}])["VolumeId"]
        ec2.attach_volume(VolumeId=volume, InstanceId=launched["InstanceId"], Device=device)
        volumes.append((volume, device))
    expected = {"subnet": node["SubnetId"], "groups": sorted(groups), "profile": profile["Arn"], "key": key,
                "volumes": volumes}
    return customer, launched["InstanceId"], ec2, expected


def run(stack, customer, instance_id, **extra):  # type: ignore[no-untyped-def]
    experiment = f"exp-{uuid.uuid4().hex[:12]}"
    payload = {"experiment_id": experiment, "instance_id": instance_id, "role_arn": customer.role_arn,
               "region": "us-east-1", "poll_seconds": 0, **extra}
    described = stack.wait_execution(stack.start_execution("live-switch", payload, name=experiment))
    return described, wired().live_switch._lab.get(experiment)


def describe(ec2, instance_id):  # type: ignore[no-untyped-def]
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def data_volumes(ec2, instance_id):  # type: ignore[no-untyped-def]
    raw = describe(ec2, instance_id)
    return sorted((m["Ebs"]["VolumeId"], m["DeviceName"]) for m in raw["BlockDeviceMappings"]
                  if m["DeviceName"] != raw["RootDeviceName"])


def user_data(ec2, instance_id):  # type: ignore[no-untyped-def]
    value = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")["UserData"]["Value"]
    return base64.b64decode(value).decode()


def test_switch_carries_every_attribute_and_the_data_volumes_to_the_spot_replacement(stack, instance):
    customer, instance_id, ec2, expected = instance

    described, record = run(stack, customer, instance_id)

    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["outcome"] == "switched", output.get("error")
    # Then the original is stopped without its data volumes
    assert describe(ec2, instance_id)["State"]["Name"] == "stopped"
    assert data_volumes(ec2, instance_id) == []
    # And the replacement is a running Spot instance that carries each attribute
    spot = describe(ec2, output["spot_instance_id"])
    assert (spot["State"]["Name"], spot["InstanceLifecycle"], spot["InstanceType"]) == ("running", "spot", "m5.xlarge")
    assert spot["SubnetId"] == expected["subnet"]
    assert sorted(g["GroupId"] for g in spot["SecurityGroups"]) == expected["groups"]
    assert spot["IamInstanceProfile"]["Arn"] == expected["profile"]
    assert spot["KeyName"] == expected["key"]
    assert user_data(ec2, output["spot_instance_id"]) == USER_DATA
    tags = {t["Key"]: t["Value"] for t in spot["Tags"]}
    assert tags == {"Name": "web-1", "team": "payments", "spothive:managed": "true",
                    "spothive:live-switch-of": instance_id}
    assert data_volumes(ec2, output["spot_instance_id"]) == sorted(expected["volumes"])
    # And its root came from a snapshot of the original's root
    snapshot = ec2.describe_snapshots(SnapshotIds=[output["snapshot_id"]])["Snapshots"][0]
    assert snapshot["VolumeId"] == output["instance"]["root_volume_id"]
    # And the experiment's telemetry has every step in the streamed shape and both prices
    assert record["status"] == "switched" and record["spot_instance_id"] == output["spot_instance_id"]
    telemetry = record["telemetry"]
    steps = [s["step"] for s in telemetry["steps"]]
    assert steps == ["prepare", "stop", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
                     "check_running", "attach_volumes", "verify"]
    assert all(set(s) == {"step", "started_at", "duration_ms", "result"} and s["duration_ms"] >= 0
               for s in telemetry["steps"])
    assert telemetry["steps"][-1]["result"] == "healthy"
    assert telemetry["price_before"] == 0.192
    assert 0 < telemetry["price_after"] < 0.192


def test_safe_mode_makes_every_step_a_recorded_dry_run(stack, instance, cache):
    customer, instance_id, ec2, expected = instance
    before = len(ec2.describe_instances()["Reservations"])
    cache.set("SAFE_MODE", "TRUE")
    try:
        described, record = run(stack, customer, instance_id)
    finally:
        cache.delete("SAFE_MODE")

    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["dry_run"] == "SAFE_MODE flag"
    assert output["would"] == ["stop", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
                               "check_running", "attach_volumes", "verify"]
    assert describe(ec2, instance_id)["State"]["Name"] == "running"
    assert data_volumes(ec2, instance_id) == sorted(expected["volumes"])
    assert len(ec2.describe_instances()["Reservations"]) == before
    assert record["status"] == "dry_run"


def test_a_failure_after_the_move_rolls_back_the_volumes_and_restarts_the_original(stack, instance):
    customer, instance_id, ec2, expected = instance
    from functions import live_switch_steps

    def failing_attach(event, context):  # type: ignore[no-untyped-def]
        if event["step"] == "attach_volumes":
            # the first volume reaches the replacement, then EC2 refuses the second
            state = event["state"]
            first, device = expected["volumes"][0]
            ec2.attach_volume(VolumeId=first, InstanceId=state["spot_instance_id"], Device=device)
            raise RuntimeError("VolumeInUse: vol is already attached to an instance")
        return live_switch_steps.handler(event, context)

    with stack.registry.override({"switch-step": failing_attach}):
        described, record = run(stack, customer, instance_id)

    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["outcome"] == "rolled_back", output.get("error")
    # Then the original runs with both its data volumes at their devices
    assert describe(ec2, instance_id)["State"]["Name"] == "running"
    assert data_volumes(ec2, instance_id) == sorted(expected["volumes"])
    # And the replacement is gone
    assert describe(ec2, output["spot_instance_id"])["State"]["Name"] in ("shutting-down", "terminated")
    assert record["status"] == "rolled_back"
    assert record["telemetry"]["error"] == "RuntimeError: VolumeInUse: vol is already attached to an instance"
    steps = record["telemetry"]["steps"]
    assert [s["step"] for s in steps][-4:] == ["check_running", "attach_volumes", "rollback", "check_rollback"]
    assert steps[-3]["result"].startswith("failed: RuntimeError: VolumeInUse")


def test_a_failed_launch_rolls_back_by_starting_the_original_with_its_volumes(stack, instance):
    customer, instance_id, ec2, expected = instance
    from functions import live_switch_steps

    def failing_launch(event, context):  # type: ignore[no-untyped-def]
        if event["step"] == "launch_spot":
            raise RuntimeError("InsufficientInstanceCapacity: no Spot capacity for m5.xlarge")
        return live_switch_steps.handler(event, context)

    with stack.registry.override({"switch-step": failing_launch}):
        described, record = run(stack, customer, instance_id)

    output = json.loads(described["output"])
    assert output["outcome"] == "rolled_back"
    assert describe(ec2, instance_id)["State"]["Name"] == "running"
    assert data_volumes(ec2, instance_id) == sorted(expected["volumes"])
    assert record["telemetry"]["error"] == (
        "RuntimeError: InsufficientInstanceCapacity: no Spot capacity for m5.xlarge")
