"""LiveSwitch on the in-memory fakes: the full switch, its idempotent launch, rollback and SAFE_MODE."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from spothive.domain.errors import InvalidInput
from spothive.domain.switch import InstanceFacts
from spothive.services.live_switch import LiveSwitch, SwitchFailed
from tests.support.fakes import Fakes, FixedCatalogs, SafeMode, ScriptedEc2

ORIGINAL = InstanceFacts("i-0aaaaaaaaaaaaaaa1", "running", "m5.large", "ami-1", "subnet-1", "us-east-1a", "on-demand",
                         "/dev/xvda", "vol-1")
START = {"experiment_id": "exp-1", "instance_id": ORIGINAL.instance_id, "role_arn": "arn:aws:iam::1:role/r",
         "external_id": "x-1"}




@pytest.fixture
def world() -> Fakes:
    return Fakes()


def switch(world: Fakes, ec2: ScriptedEc2, *, safe: SafeMode | None = None, global_safe: bool = False) -> LiveSwitch:
    return LiveSwitch(ec2, world.lab, FixedCatalogs(), safe or world.safe_mode, world.clock, global_safe_mode=global_safe)


def run(service: LiveSwitch, world: Fakes, steps: list[str], state: dict) -> dict:
    for step in steps:
        state = service.run(step, state)
        world.clock.advance(timedelta(seconds=10))
    return state


def test_a_switch_stops_snapshots_launches_once_verifies_and_records_durations_and_prices(world):
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)

    state = run(service, world, ["prepare", "stop", "check_stopped", "check_stopped", "launch_spot"], dict(START))
    state = run(service, world, ["launch_spot"], state)  # a retried task launches nothing new
    state = run(service, world, ["verify", "record"], state)

    assert ec2.calls == [("stop", ORIGINAL.instance_id), ("snapshot", "vol-1"), ("launch", "exp-1")]
    assert state["outcome"] == "switched" and state["spot_instance_id"] == "i-spot0000000000001"
    saved = world.lab.get("exp-1")
    assert (saved["status"], saved["spot_instance_id"]) == ("switched", "i-spot0000000000001")
    assert saved["telemetry"]["durations_s"] == {"stop": 20.0, "launch": 10.0, "total": 70.0}
    catalog = FixedCatalogs().catalog()
    assert saved["telemetry"]["prices"] == {"on_demand_per_hour": catalog.price("m5.large", "on-demand", None),
                                            "spot_per_hour": catalog.price("m5.large", "spot", "us-east-1a")}


@pytest.mark.parametrize(("safe", "global_safe", "reason"), [
    (SafeMode(True), False, "SAFE_MODE flag"),
    (SafeMode(False), True, "SAFE_MODE setting"),
    (SafeMode(None), False, "SAFE_MODE flag unreadable (cache unavailable): assumed on"),
])
def test_under_safe_mode_every_step_is_a_recorded_dry_run_and_nothing_changes(world, safe, global_safe, reason):
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2, safe=safe, global_safe=global_safe)

    state = run(service, world, ["prepare", "stop", "check_stopped", "launch_spot", "verify", "record"], dict(START))

    assert ec2.calls == [] and ec2.instances[ORIGINAL.instance_id].state == "running"
    assert (state["dry_run"], state["outcome"], state["would"]) == (
        reason, "dry_run", ["stop", "check_stopped", "launch_spot", "verify"])
    assert world.lab.get("exp-1")["status"] == "dry_run"


def test_a_spot_instance_that_does_not_run_fails_verify_and_rollback_restarts_the_original(world):
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)
    state = run(service, world, ["prepare", "stop", "check_stopped", "check_stopped", "launch_spot"], dict(START))
    ec2.instances[state["spot_instance_id"]] = InstanceFacts(
        state["spot_instance_id"], "terminated", "m5.large", "ami-1", "subnet-1", "us-east-1a", "spot", "/dev/xvda", None)

    with pytest.raises(SwitchFailed, match="is terminated"):
        service.run("verify", state)
    state = service.run("rollback", {**state, "error": {"Error": "SwitchFailed", "Cause": "terminated"}})
    state = service.run("record", state)

    assert ec2.instances[ORIGINAL.instance_id].state == "running" and ("start", ORIGINAL.instance_id) in ec2.calls
    assert state["outcome"] == "rolled_back"
    assert world.lab.get("exp-1")["telemetry"]["error"] == "SwitchFailed: terminated"


def test_prepare_refuses_an_instance_not_running_on_demand_and_missing_fields_are_named(world):
    ec2 = ScriptedEc2(replace(ORIGINAL, lifecycle="spot"))
    with pytest.raises(InvalidInput, match="already runs on Spot") as caught:
        switch(world, ec2).run("prepare", dict(START))
    with pytest.raises(InvalidInput) as missing:
        switch(world, ec2).run("prepare", {**START, "role_arn": ""})
    assert (caught.value.field, missing.value.field) == ("instance_id", "role_arn")
