"""Sleeping and waking each target kind on a scripted account: exact restore, undo on a failed sleep."""

from __future__ import annotations

import pytest

from spothive.domain.errors import DependencyFailed, InvalidInput
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.hibernation_targets import (
    AsgState,
    ScheduledInstance,
    TargetKind,
    group_id_for,
    instance_groups,
    role_may_scale,
)
from spothive.services import hibernation_fleet as fleet
from tests.support.fakes import ScriptedScaler

CLUSTER = fleet.FleetTarget("org-1", "c-1", "acct-1", TargetKind.NODEGROUP, "prod", "us-east-1", ("ng-a", "ng-b"))
ASG = fleet.FleetTarget("org-1", "c-1", "acct-1", TargetKind.ASG, "prod", "us-east-1")
GROUP = fleet.FleetTarget("org-1", "g-1", "acct-1", TargetKind.EC2, "nightly", regions=("eu-west-1", "us-east-1"))


def test_a_node_group_that_refuses_to_sleep_leaves_the_others_at_their_sizes():
    sizes = {"ng-a": NodegroupSize(1, 6, 3), "ng-b": NodegroupSize(0, 2, 1)}
    scaler = ScriptedScaler(sizes)
    scaler.fail_on = {"ng-b"}
    saved = fleet.capture(scaler, CLUSTER)
    with pytest.raises(DependencyFailed):
        fleet.sleep(scaler, CLUSTER, saved)
    # ng-a went to 0/6/0 and was put back; ng-b was never changed
    assert [c[2:] for c in scaler.calls] == [("ng-a", NodegroupSize(0, 6, 0)), ("ng-a", NodegroupSize(1, 6, 3))]
    assert scaler.sizes == sizes


def test_an_asg_sleep_suspends_only_what_was_running_and_the_wake_resumes_only_that():
    scaler = ScriptedScaler(asgs={"nodes": AsgState(NodegroupSize(2, 8, 4), ("ScheduledActions",))})
    saved = fleet.capture(scaler, ASG)
    assert saved.suspended == {"nodes": ("AlarmNotification", "AZRebalance")}
    fleet.sleep(scaler, ASG, saved)
    assert scaler.asgs["nodes"] == AsgState(NodegroupSize(0, 0, 0),
                                            ("AZRebalance", "AlarmNotification", "ScheduledActions"))
    fleet.wake(scaler, ASG, saved)
    assert scaler.writes[-2:] == [("update", "nodes", "2/4/8"), ("resume", "nodes", "AlarmNotification", "AZRebalance")]
    assert scaler.asgs["nodes"] == AsgState(NodegroupSize(2, 8, 4), ("ScheduledActions",))


def test_a_cluster_without_self_managed_groups_cannot_sleep_as_asg():
    with pytest.raises(Exception, match="no self-managed Auto Scaling group") as missing:
        fleet.capture(ScriptedScaler(), ASG)
    assert missing.value.field == "target"  # type: ignore[attr-defined]


def test_a_group_the_customer_role_may_not_resize_refuses_the_sleep_naming_the_tag():
    # Given one group tagged spothive:managed and one tagged only kubernetes.io/cluster/prod
    scaler = ScriptedScaler(asgs={"tagged": AsgState(NodegroupSize(1, 3, 2)),
                                  "untagged": AsgState(NodegroupSize(1, 3, 2), role_may_scale=False)})
    # When the sleep captures them, it refuses before any write
    with pytest.raises(InvalidInput) as refused:
        fleet.capture(scaler, ASG)
    assert refused.value.field == "target"
    assert "Auto Scaling group(s) untagged lack the tag spothive:managed=true" in refused.value.message
    assert scaler.writes == []


def test_role_may_scale_reads_the_tags_the_customer_role_conditions_on():
    assert role_may_scale({"spothive:managed": "true"}) and role_may_scale({"eks:cluster-name": "prod"})
    assert not role_may_scale({"kubernetes.io/cluster/prod": "owned", "spothive:managed": "false"})


def test_instances_stopped_by_hand_are_neither_saved_nor_started_and_a_late_refusal_restarts_the_rest():
    scaler = ScriptedScaler(instances=[
        ScheduledInstance("i-1", "us-east-1", "running", hibernation_configured=True),
        ScheduledInstance("i-2", "us-east-1", "stopped"),
        ScheduledInstance("i-3", "eu-west-1", "running"),
    ])
    saved = fleet.capture(scaler, GROUP)
    assert saved.instances == ("eu-west-1/i-3", "us-east-1/i-1")
    fleet.sleep(scaler, GROUP, saved, hibernate=True)
    assert scaler.writes == [("stop", "i-3"), ("hibernate", "i-1")]
    fleet.wake(scaler, GROUP, saved)
    assert {i: s.state for i, s in scaler.instances.items()} == {"i-1": "running", "i-2": "stopped", "i-3": "running"}
    # a refusal after the first region stopped: the first region is started again
    scaler.writes.clear()
    scaler.fail_on = set()
    real_stop = scaler.stop_instances

    def second_region_refuses(region, ids, hibernate, dry_run=False):
        if region == "us-east-1" and not dry_run:
            raise DependencyFailed("InsufficientInstanceCapacity")
        real_stop(region, ids, hibernate, dry_run)

    scaler.stop_instances = second_region_refuses  # type: ignore[method-assign]
    with pytest.raises(DependencyFailed):
        fleet.sleep(scaler, GROUP, saved)
    assert scaler.writes == [("stop", "i-3"), ("start", "i-3")]


def test_instance_groups_are_per_account_and_schedule_and_leave_cluster_nodes_out():
    rows = [("acct-1", "us-east-1", "i-1", None, {"spothive:schedule": "nightly"}),
            ("acct-1", "eu-west-1", "i-2", None, {"spothive:schedule": "nightly"}),
            ("acct-2", "us-east-1", "i-3", None, {"spothive:schedule": "nightly"}),
            ("acct-1", "us-east-1", "i-4", "c-9", {"spothive:schedule": "nightly"}),
            ("acct-1", "us-east-1", "i-5", None, {})]
    groups = instance_groups(rows)
    assert [(g.group_id, g.instances) for g in groups] == [
        (group_id_for("acct-1", "nightly"), (("eu-west-1", "i-2"), ("us-east-1", "i-1"))),
        (group_id_for("acct-2", "nightly"), (("us-east-1", "i-3"),)),
    ]
    assert groups[0].regions == ("eu-west-1", "us-east-1")
