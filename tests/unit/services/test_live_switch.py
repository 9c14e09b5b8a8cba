"""LiveSwitch on the in-memory fakes: the full switch with data volumes, its idempotent launch, the health
check, rollback, the telemetry shape and SAFE_MODE."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from spothive.domain.errors import InvalidInput
from spothive.domain.switch import DataVolume, InstanceFacts
from spothive.services.live_switch import LiveSwitch, SwitchFailed
from spothive.services.safe_mode import SafeModeService
from tests.support.fakes import Fakes, FixedCatalogs, MemorySafeModeSwitches, SafeMode, ScriptedEc2

DATA = (DataVolume("vol-data1", "/dev/sdf"), DataVolume("vol-data2", "/dev/sdg", True))
ORIGINAL = InstanceFacts("i-0aaaaaaaaaaaaaaa1", "running", "m5.large", "ami-1", "subnet-1", "us-east-1a", "on-demand",
                         "/dev/xvda", "vol-1", security_group_ids=("sg-1", "sg-2"),
                         instance_profile_arn="arn:aws:iam::1:instance-profile/web", key_name="ops",
                         user_data="IyEvYmluL3NoCmVjaG8gaGk=", tags=(("Name", "web-1"), ("team", "core")),
                         data_volumes=DATA)
START = {"experiment_id": "exp-1", "instance_id": ORIGINAL.instance_id, "role_arn": "arn:aws:iam::1:role/r",
         "external_id": "x-1"}
HAPPY = ["prepare", "stop", "check_stopped", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
         "check_running", "attach_volumes", "verify"]


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


def test_a_switch_moves_the_data_volumes_to_a_spot_copy_that_carries_every_attribute(world):
    # Given an On-Demand instance with two data volumes
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)

    # When every step runs (the launch retried once, as a redelivered task would be)
    state = run(service, world, HAPPY[:7], dict(START))
    state = run(service, world, ["launch_spot"], state)
    state = run(service, world, [*HAPPY[7:], "record"], state)

    # Then the original was stopped and lost its volumes, one Spot copy was launched and got them
    spot_id = state["spot_instance_id"]
    assert ec2.calls == [("stop", ORIGINAL.instance_id), ("detach", "vol-data1"), ("detach", "vol-data2"),
                         ("snapshot", "vol-1"), ("launch", "exp-1"), ("attach", f"vol-data1>{spot_id}"),
                         ("attach", f"vol-data2>{spot_id}")]
    spot = ec2.instances[spot_id]
    assert (spot.lifecycle, spot.subnet_id, spot.security_group_ids, spot.instance_profile_arn, spot.key_name,
            spot.user_data, spot.tags) == ("spot", "subnet-1", ("sg-1", "sg-2"), ORIGINAL.instance_profile_arn,
                                           "ops", ORIGINAL.user_data, ORIGINAL.tags)
    assert [(v.volume_id, v.device) for v in spot.data_volumes] == [("vol-data1", "/dev/sdf"), ("vol-data2", "/dev/sdg")]
    assert ec2.instances[ORIGINAL.instance_id].data_volumes == ()
    # And the user data never travelled in the state the state machine keeps
    assert state["instance"]["user_data"] is None
    # And the record carries one entry per step in the streamed shape, with the prices
    saved = world.lab.get("exp-1")
    assert (saved["status"], saved["spot_instance_id"], state["outcome"]) == ("switched", spot_id, "switched")
    steps = saved["telemetry"]["steps"]
    assert [s["step"] for s in steps] == [*HAPPY[:7], "launch_spot", *HAPPY[7:]]
    assert all(set(s) == {"step", "started_at", "duration_ms", "result"} for s in steps)
    assert steps[2]["result"] == "stopping" and steps[3]["result"] == "stopped"
    assert steps[-1]["result"] == "healthy"
    catalog = FixedCatalogs().catalog("us-east-1")
    assert saved["telemetry"]["price_before"] == catalog.price("m5.large", "on-demand", None)
    assert saved["telemetry"]["price_after"] == catalog.price("m5.large", "spot", "us-east-1a")


def test_the_record_is_saved_after_every_step_so_a_running_switch_can_be_watched(world):
    service = switch(world, ScriptedEc2(ORIGINAL))

    run(service, world, ["prepare", "stop"], dict(START))

    saved = world.lab.get("exp-1")
    assert saved["status"] == "running"
    assert [s["step"] for s in saved["telemetry"]["steps"]] == ["prepare", "stop"]


def test_verify_waits_for_the_status_checks_and_an_impaired_replacement_fails(world):
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)
    state = run(service, world, HAPPY[:-1], dict(START))
    ec2.health_of[state["spot_instance_id"]] = "initializing"

    state = service.run("verify", state)
    assert state["healthy"] is False and state["log"][-1]["result"] == "status checks initializing"

    ec2.health_of[state["spot_instance_id"]] = "impaired"
    with pytest.raises(SwitchFailed, match="fails its status checks"):
        service.run("verify", state)


def test_a_failure_after_the_move_rolls_back_volumes_and_instance_and_logs_the_failed_step(world):
    # Given a switch that got as far as attaching the volumes to the replacement
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)
    state = run(service, world, HAPPY[:-1], dict(START))
    spot_id = state["spot_instance_id"]

    # When verify fails and the state machine runs the rollback with the caught error
    caught = {**state, "error": {"Error": "SwitchFailed", "Cause": '{"errorMessage": "status checks impaired"}'},
              "failed_step": "verify"}
    state = run(service, world, ["rollback", "check_rollback", "record"], caught)

    # Then the replacement was freed of the volumes and terminated, the original got them back and runs
    assert ec2.instances[spot_id].state == "terminated"
    original = ec2.instances[ORIGINAL.instance_id]
    assert original.state == "running"
    assert [(v.volume_id, v.device) for v in original.data_volumes] == [("vol-data1", "/dev/sdf"),
                                                                        ("vol-data2", "/dev/sdg")]
    assert ec2.calls[-6:] == [("detach", "vol-data1"), ("detach", "vol-data2"), ("terminate", spot_id),
                              ("attach", f"vol-data1>{ORIGINAL.instance_id}"),
                              ("attach", f"vol-data2>{ORIGINAL.instance_id}"), ("start", ORIGINAL.instance_id)]
    saved = world.lab.get("exp-1")
    assert (state["outcome"], saved["status"]) == ("rolled_back", "rolled_back")
    assert saved["telemetry"]["error"] == "SwitchFailed: status checks impaired"
    failed = [s for s in saved["telemetry"]["steps"] if s["result"].startswith("failed")]
    assert failed == [{"step": "verify", "started_at": failed[0]["started_at"], "duration_ms": 10000,
                       "result": "failed: SwitchFailed: status checks impaired"}]
    assert [s["step"] for s in saved["telemetry"]["steps"]][-3:] == ["verify", "rollback", "check_rollback"]


def test_check_rollback_waits_while_the_replacement_still_holds_a_volume(world):
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)
    state = run(service, world, HAPPY[:-1], dict(START))
    # the replacement has the volumes (a detach still in flight looks the same)
    state = service.run("check_rollback", {**state, "error": {"Error": "X"}})

    assert state["rollback_done"] is False and state["log"][-1]["result"].startswith("waiting")
    assert ("start", ORIGINAL.instance_id) not in ec2.calls


@pytest.mark.parametrize(("safe", "global_safe", "reason"), [
    (SafeMode(True), False, "SAFE_MODE flag"),
    (SafeMode(False), True, "SAFE_MODE setting"),
    (SafeMode(None), False, "SAFE_MODE flag unreadable (cache unavailable): assumed on"),
])
def test_under_safe_mode_every_step_is_a_recorded_dry_run_and_nothing_changes(world, safe, global_safe, reason):
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2, safe=safe, global_safe=global_safe)
    steps = ["prepare", "stop", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
             "check_running", "attach_volumes", "verify"]

    state = run(service, world, [*steps, "record"], dict(START))

    assert ec2.calls == [] and ec2.instances[ORIGINAL.instance_id].state == "running"
    assert (state["dry_run"], state["outcome"], state["would"]) == (reason, "dry_run", steps[1:])
    saved = world.lab.get("exp-1")
    assert saved["status"] == "dry_run"
    assert [s["result"] for s in saved["telemetry"]["steps"][1:]] == ["dry_run"] * len(steps[1:])


def test_a_polled_step_gives_up_after_its_limit(world, monkeypatch):
    monkeypatch.setattr("spothive.services.live_switch.MAX_POLLS", 2)
    ec2 = ScriptedEc2(ORIGINAL)
    service = switch(world, ec2)
    state = run(service, world, HAPPY[:-1], dict(START))
    ec2.health_of[state["spot_instance_id"]] = "initializing"

    state = run(service, world, ["verify", "verify"], state)
    with pytest.raises(SwitchFailed, match="verify still waiting after 2 looks"):
        service.run("verify", state)


def test_prepare_refuses_an_instance_not_running_on_demand_and_missing_fields_are_named(world):
    ec2 = ScriptedEc2(replace(ORIGINAL, lifecycle="spot"))
    with pytest.raises(InvalidInput, match="already runs on Spot") as caught:
        switch(world, ec2).run("prepare", dict(START))
    with pytest.raises(InvalidInput) as missing:
        switch(world, ec2).run("prepare", {**START, "role_arn": ""})
    assert (caught.value.field, missing.value.field) == ("instance_id", "role_arn")


@pytest.mark.parametrize(("scopes", "state", "reason"), [
    ({"cluster:org-1:c-1": True}, {"org_id": "org-1", "cluster_id": "c-1"}, "cluster SAFE_MODE on"),
    ({"cluster:org-1:c-2": True}, {"org_id": "org-1", "cluster_id": "c-1"}, None),
    ({"org:org-1": True}, {"org_id": "org-1", "cluster_id": None}, "tenant SAFE_MODE on"),
    ({"org:org-1": True}, {}, "tenant SAFE_MODE on"),  # an older input: the org from the experiment record
    ({"org:org-2": True}, {"org_id": "org-1"}, None),
])
def test_the_tenant_and_cluster_safe_mode_levels_make_the_switch_a_dry_run(world, scopes, state, reason):
    # Given SAFE_MODE on at one level and an experiment of org-1's instance
    ec2 = ScriptedEc2(ORIGINAL)
    switches = MemorySafeModeSwitches()
    switches.scopes.update(scopes)
    world.lab.save("exp-1", {"experiment_id": "exp-1", "created_at": "2026-03-08T10:00:00", "status": "starting",
                             "telemetry": {"org_id": "org-1", "steps": []}})
    service = LiveSwitch(ec2, world.lab, FixedCatalogs(), world.safe_mode, world.clock,
                         safe_modes=SafeModeService(switches, world.ledger))
    # When the switch prepares and stops the instance
    after = run(service, world, ["prepare", "stop"], {**START, **state})
    # Then only a level covering the tenant or the instance's cluster makes it a dry run, and says which
    assert after["dry_run"] == reason
    assert (ec2.calls == []) is (reason is not None)
    assert ec2.instances[ORIGINAL.instance_id].state == ("running" if reason else "stopping")


def test_a_dry_run_switch_is_recorded_in_the_tenants_audit_ledger_with_what_it_would_have_done(world):
    # Given the tenant's SAFE_MODE on and an experiment of org-1's instance
    ec2 = ScriptedEc2(ORIGINAL)
    switches = MemorySafeModeSwitches()
    switches.scopes["org:org-1"] = True
    service = LiveSwitch(ec2, world.lab, FixedCatalogs(), world.safe_mode, world.clock, ledger=world.ledger,
                         safe_modes=SafeModeService(switches, world.ledger))
    steps = ["prepare", "stop", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
             "check_running", "attach_volumes", "verify"]
    # When every step and the record run
    run(service, world, [*steps, "record"], {**START, "org_id": "org-1"})
    # Then nothing changed, and org-1's chain holds one dry-run record: the steps not done, and why
    assert ec2.calls == []
    (audited,) = world.ledger.chains["org-1"]
    assert (audited.actor, audited.action, audited.resource_type, audited.resource_id) == (
        "system:live-switch", "lab.live_switch.dry_run", "instance", ORIGINAL.instance_id)
    assert audited.after == {"experiment_id": "exp-1", "would": steps[1:], "safe_mode": "tenant SAFE_MODE on"}


def test_a_switch_carried_out_writes_no_dry_run_record(world):
    # Given no SAFE_MODE, When the switch runs to its record, Then the ledger holds no dry run
    service = LiveSwitch(ScriptedEc2(ORIGINAL), world.lab, FixedCatalogs(), world.safe_mode, world.clock,
                         ledger=world.ledger)
    state = run(service, world, [*HAPPY, "record"], {**START, "org_id": "org-1"})
    assert state["outcome"] == "switched"
    assert world.ledger.chains.get("org-1", []) == []
