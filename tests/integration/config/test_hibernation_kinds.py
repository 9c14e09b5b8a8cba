"""Hibernation kinds against the emulator: a cluster's self-managed Auto Scaling group and a tagged
group of stand-alone EC2 instances sleep and wake back to exactly what they were; a failure mid-way
leaves them awake."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions import worker_hibernation
from spothive.adapters.aws.fleet_scaling import FleetScalingMixin
from spothive.domain.errors import DependencyFailed
from spothive.domain.hibernation import NodegroupSize
from spothive.local.demo_customer import DemoCustomer, customer_session, seed_customer
from tests.integration.config.helpers import last_audit
from tests.integration.slice.helpers import Tenant, api, signup

pytestmark = pytest.mark.integration

ASLEEP_ALWAYS = [0] * 168


def _linked(client: Any) -> tuple[Tenant, DemoCustomer, dict[str, Any]]:
    """A verified tenant whose account has a cluster with a 3-node self-managed ASG and two instances on
    the schedule ``office-hours`` (the first configured for hibernation)."""
    aws_id = str(uuid.uuid4().int)[:12].rjust(12, "2")
    customer = seed_customer(aws_id, cluster_name=f"kinds-{uuid.uuid4().hex[:6]}",
                             nodes=(("m5.large", "on-demand", "a"),), extra_standalone=1, asg_nodes=3,
                             scheduled=("office-hours", "office-hours"))
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": customer.role_arn})
    assert verified.json()["status"] == "active", verified.text
    targets = client.get("/api/hibernation/targets", headers=tenant.headers).json()
    return tenant, customer, targets


def _asg(customer: DemoCustomer) -> dict[str, Any]:
    asg = customer_session(customer.aws_account_id).client("autoscaling", region_name="us-east-1")
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[customer.asg_name])["AutoScalingGroups"][0]
    return {"min": group["MinSize"], "max": group["MaxSize"], "desired": group["DesiredCapacity"],
            "suspended": sorted(p["ProcessName"] for p in group["SuspendedProcesses"])}


def _states(customer: DemoCustomer) -> dict[str, str]:
    ec2 = customer_session(customer.aws_account_id).client("ec2", region_name="us-east-1")
    found = ec2.describe_instances(InstanceIds=list(customer.scheduled_ids))["Reservations"]
    return {i["InstanceId"]: i["State"]["Name"] for r in found for i in r["Instances"]}


def _schedule(client: Any, tenant: Tenant, target_id: str, **extra: Any) -> dict[str, Any]:
    saved = client.post("/api/hibernation/schedule", headers=tenant.headers,
                        json={"cluster_id": target_id, "schedule_matrix": ASLEEP_ALWAYS, "timezone": "UTC", **extra})
    assert saved.status_code == 200, saved.text
    return saved.json()


def _wake(client: Any, tenant: Tenant, target_id: str) -> None:
    woke = client.post("/api/hibernation/override", headers=tenant.headers,
                       json={"cluster_id": target_id, "duration_minutes": 30})
    assert woke.status_code == 200, woke.text


def test_an_asg_sleeps_to_zero_and_wakes_to_its_exact_sizes_and_processes(hub: dict[str, str]) -> None:
    client = api()
    tenant, customer, targets = _linked(client)
    cluster_id = targets["clusters"][0]["cluster_id"]
    asg = customer_session(customer.aws_account_id).client("autoscaling", region_name="us-east-1")
    # Given the customer had already suspended AZRebalance themselves
    asg.suspend_processes(AutoScalingGroupName=customer.asg_name, ScalingProcesses=["AZRebalance"])
    before = _asg(customer)
    assert before == {"min": 1, "max": 5, "desired": 3, "suspended": ["AZRebalance"]}
    # When the cluster is scheduled asleep through its Auto Scaling groups and the worker runs
    assert _schedule(client, tenant, cluster_id, target="asg")["target"] == "asg"
    result = worker_hibernation.handler({})
    # Then the group is at 0/0/0 with the fighting processes suspended
    assert f"{tenant.org_id}/{cluster_id}:asleep" in result["transitions"]
    assert _asg(customer) == {"min": 0, "max": 0, "desired": 0,
                              "suspended": ["AZRebalance", "AlarmNotification", "ScheduledActions"]}
    sleep = last_audit(tenant.org_id, "hibernation.sleep")
    assert sleep.after["asgs"] == {customer.asg_name: {"min": 1, "max": 5, "desired": 3}}  # type: ignore[index]
    assert sleep.after["suspended_processes"] == {  # type: ignore[index]
        customer.asg_name: ["AlarmNotification", "ScheduledActions"]}
    # When a manual wake is asked for
    _wake(client, tenant, cluster_id)
    worker_hibernation.handler({})
    # Then sizes and processes are exactly as before: AZRebalance, suspended by the customer, stays suspended
    assert _asg(customer) == before


def test_a_failed_asg_sleep_restores_what_it_had_changed(hub: dict[str, str], monkeypatch) -> None:
    client = api()
    tenant, customer, targets = _linked(client)
    cluster_id = targets["clusters"][0]["cluster_id"]
    before = _asg(customer)
    _schedule(client, tenant, cluster_id, target="asg")

    # Given AWS refuses the resize after the processes were suspended
    def refuse(self: Any, region: str, name: str, size: NodegroupSize) -> None:
        if size.max_size == 0:
            raise DependencyFailed(f"could not scale Auto Scaling group {name}: ValidationError: refused")
        real_update(self, region, name, size)

    real_update = FleetScalingMixin.update_asg
    monkeypatch.setattr(FleetScalingMixin, "update_asg", refuse)
    result = worker_hibernation.handler({})
    # Then the transition failed, the processes were resumed and the group never shrank
    assert f"{tenant.org_id}/{cluster_id}:failed" in result["transitions"]
    assert _asg(customer) == before
    failed = last_audit(tenant.org_id, "hibernation.sleep.failed")
    assert failed.after == {"state": "asleep", "left": "awake"}
    assert "refused" in (failed.reason or "")
    # And once AWS accepts again, the next tick completes the sleep
    monkeypatch.setattr(FleetScalingMixin, "update_asg", real_update)
    result = worker_hibernation.handler({})
    assert f"{tenant.org_id}/{cluster_id}:asleep" in result["transitions"]
    assert _asg(customer)["desired"] == 0


def test_tagged_instances_stop_or_hibernate_and_only_they_start_again(hub: dict[str, str], monkeypatch) -> None:
    client = api()
    tenant, customer, targets = _linked(client)
    [group] = targets["instance_groups"]
    assert (group["schedule"], sorted(group["instance_ids"])) == ("office-hours", sorted(customer.scheduled_ids))
    configured, plain = customer.scheduled_ids
    stops: list[tuple[tuple[str, ...], bool, bool]] = []
    real_stop = FleetScalingMixin.stop_instances

    def recording(self: Any, region: str, ids: Any, hibernate: bool, dry_run: bool = False) -> None:
        stops.append((tuple(ids), hibernate, dry_run))
        real_stop(self, region, ids, hibernate, dry_run)

    monkeypatch.setattr(FleetScalingMixin, "stop_instances", recording)
    # Given the group is scheduled asleep, hibernating where configured
    saved = _schedule(client, tenant, group["cluster_id"], hibernate=True)
    assert (saved["target"], saved["hibernate"]) == ("ec2", True)
    # When the worker runs
    result = worker_hibernation.handler({})
    # Then a dry run of each batch came first, then the plain instance was stopped and the other hibernated
    assert f"{tenant.org_id}/{group['cluster_id']}:asleep" in result["transitions"]
    assert stops == [((plain,), False, True), ((configured,), True, True), ((plain,), False, False),
                     ((configured,), True, False)]
    assert set(_states(customer).values()) <= {"stopping", "stopped"}
    sleep = last_audit(tenant.org_id, "hibernation.sleep")
    assert (sleep.after["target"], sleep.after["hibernate"]) == ("ec2", True)  # type: ignore[index]
    assert sleep.after["instances"] == sorted(f"us-east-1/{i}" for i in (configured, plain))  # type: ignore[index]
    # When the wake comes, both start again
    _wake(client, tenant, group["cluster_id"])
    worker_hibernation.handler({})
    assert _states(customer) == {configured: "running", plain: "running"}


def test_an_ec2_sleep_refused_in_its_dry_run_stops_nothing(hub: dict[str, str], monkeypatch) -> None:
    client = api()
    tenant, customer, targets = _linked(client)
    [group] = targets["instance_groups"]
    _schedule(client, tenant, group["cluster_id"])

    def refuse(self: Any, region: str, ids: Any, hibernate: bool, dry_run: bool = False) -> None:
        raise DependencyFailed("could not stop 1 instances in us-east-1: UnauthorizedOperation: denied")

    monkeypatch.setattr(FleetScalingMixin, "stop_instances", refuse)
    result = worker_hibernation.handler({})
    assert f"{tenant.org_id}/{group['cluster_id']}:failed" in result["transitions"]
    assert set(_states(customer).values()) == {"running"}


def test_ec2_is_only_for_instance_groups_and_unknown_kinds_are_422(hub: dict[str, str]) -> None:
    client = api()
    tenant, _, targets = _linked(client)
    cluster_id = targets["clusters"][0]["cluster_id"]
    wrong = client.post("/api/hibernation/schedule", headers=tenant.headers, json={
        "cluster_id": cluster_id, "schedule_matrix": ASLEEP_ALWAYS, "timezone": "UTC", "target": "ec2"})
    unknown = client.post("/api/hibernation/schedule", headers=tenant.headers, json={
        "cluster_id": "g-0000000000000000", "schedule_matrix": ASLEEP_ALWAYS, "timezone": "UTC"})
    assert wrong.status_code == 422 and "target" in wrong.text
    assert unknown.status_code == 404


def test_an_asg_tagged_only_for_its_cluster_is_refused_naming_the_spothive_managed_tag(hub: dict[str, str]) -> None:
    client = api()
    tenant, customer, targets = _linked(client)
    cluster_id = targets["clusters"][0]["cluster_id"]
    asg = customer_session(customer.aws_account_id).client("autoscaling", region_name="us-east-1")
    # Given a self-managed group tagged only kubernetes.io/cluster/<name>, which the customer role may not resize
    asg.delete_tags(Tags=[{"ResourceId": customer.asg_name, "ResourceType": "auto-scaling-group",
                           "Key": "eks:cluster-name"}])
    before = _asg(customer)
    _schedule(client, tenant, cluster_id, target="asg")
    # When the worker runs
    result = worker_hibernation.handler({})
    # Then nothing changed, and the schedule says which tag is missing
    assert f"{tenant.org_id}/{cluster_id}" in result["failures"]
    assert _asg(customer) == before
    status = client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers).json()
    assert status["applied_state"] == "failed"
    assert f"Auto Scaling group(s) {customer.asg_name} lack the tag spothive:managed=true" in status["last_error"]
    failed = last_audit(tenant.org_id, "hibernation.sleep.failed")
    assert "spothive:managed=true" in (failed.reason or "")
    # When the customer tags the group spothive:managed=true, the next run sleeps it
    asg.create_or_update_tags(Tags=[{"ResourceId": customer.asg_name, "ResourceType": "auto-scaling-group",
                                     "Key": "spothive:managed", "Value": "true", "PropagateAtLaunch": False}])
    worker_hibernation.handler({})
    assert _asg(customer)["desired"] == 0
    status = client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers).json()
    assert (status["applied_state"], status["last_error"]) == ("asleep", None)
    # And the wake restores the sizes captured by that run
    _wake(client, tenant, cluster_id)
    worker_hibernation.handler({})
    assert _asg(customer) == before
