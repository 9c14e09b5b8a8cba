"""HibernationService and HibernationWorker on the in-memory fakes: schedules, transitions, SAFE_MODE."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict, InvalidInput, NotFound
from spothive.domain.hibernation import NodegroupSize
from spothive.domain.inventory import StoredCluster
from spothive.domain.tenancy import Account, AccountStatus
from spothive.services.hibernation import HibernationService, HibernationWorker
from spothive.services.safe_mode import SafeModeService
from tests.support.fakes import NOW, Fakes, MemorySafeModeSwitches, ScriptedScaler, ScriptedScaling
from tests.unit.services.helpers import principal

ALICE = principal()
ASLEEP_ALWAYS, AWAKE_ALWAYS = [0] * 168, [1] * 168
ROLE = "arn:aws:iam::123456789012:role/r"
SIZES = {"ng-a": NodegroupSize(1, 6, 3), "ng-b": NodegroupSize(0, 2, 1)}


@pytest.fixture
def world() -> Fakes:
    w = Fakes()
    w.inventory.add_cluster(StoredCluster("org-1", "c-1", "acct-1", "prod", "us-east-1", "arn:c", "1.29", "ACTIVE",
                                          ("ng-a", "ng-b"), 4, NOW, NOW))
    w.tenancy.save_account(Account("org-1", "acct-1", AccountStatus.ACTIVE, NOW, external_id="x-1", role_arn=ROLE))
    return w


@pytest.fixture
def service(world: Fakes) -> HibernationService:
    return HibernationService(world.hibernation, world.inventory, world.clock)


@pytest.fixture
def scaling() -> ScriptedScaling:
    return ScriptedScaling(ScriptedScaler(SIZES))


def worker(world: Fakes, scaling: ScriptedScaling) -> HibernationWorker:
    return HibernationWorker(world.hibernation, world.inventory, world.tenancy, scaling, world.safe_mode, world.clock)


def test_saving_a_schedule_versions_it_and_says_whether_the_cluster_is_awake(service, world):
    first = service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "Europe/Paris")
    second = service.set_prewarm(ALICE, "c-1", True)

    assert (first.record.version, first.awake, first.next_transition) == (1, False, None)
    assert (second.record.version, second.record.prewarm, second.record.updated_at) == (2, True, NOW)
    assert world.ledger.actions("org-1") == ["hibernation.schedule.save", "hibernation.prewarm.update"]


def test_an_override_keeps_the_cluster_awake_until_it_ends(service):
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC")
    status = service.override(ALICE, "c-1", 90)
    assert status.awake is True and status.record.override_until == NOW + timedelta(minutes=90)
    assert status.next_transition.at == NOW + timedelta(minutes=90) and status.next_transition.state == "asleep"


def test_bad_input_names_the_field_and_unknown_clusters_or_schedules_are_not_found(service):
    with pytest.raises(InvalidInput) as short:
        service.save_schedule(ALICE, "c-1", [1] * 10, "UTC")
    with pytest.raises(InvalidInput) as zone:
        service.save_schedule(ALICE, "c-1", AWAKE_ALWAYS, "Mars/Olympus")
    with pytest.raises(NotFound) as unscheduled:
        service.set_timezone(ALICE, "c-1", "UTC")
    with pytest.raises(NotFound):
        service.status(principal("org-2"), "c-1")
    assert short.value.field == "schedule_matrix"
    assert zone.value.field == "timezone"
    assert unscheduled.value.field == "cluster_id"


def test_a_save_based_on_a_stale_copy_is_a_conflict_and_the_newer_settings_stay(service, world):
    service.save_schedule(ALICE, "c-1", AWAKE_ALWAYS, "UTC")
    stale = world.hibernation.get("org-1", "c-1")
    service.set_prewarm(ALICE, "c-1", True)
    with pytest.raises(Conflict) as caught:
        world.hibernation.save(stale, stale.version, AuditEntry("user:u-1", "hibernation.schedule.save", "s", "c-1"))
    assert caught.value.field == "cluster_id"
    assert world.hibernation.get("org-1", "c-1").prewarm is True


def test_the_worker_puts_a_cluster_to_sleep_saving_its_sizes_and_wakes_it_to_them(service, world, scaling):
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC")

    slept = worker(world, scaling).tick()
    again = worker(world, scaling).tick()
    service.override(ALICE, "c-1", 60)
    woke = worker(world, scaling).tick()

    assert (slept.transitions, again.transitions, woke.transitions) == (["org-1/c-1:asleep"], [], ["org-1/c-1:awake"])
    assert [(n, s) for _, _, n, s in scaling.scaler.calls] == [
        ("ng-a", NodegroupSize(0, 6, 0)), ("ng-b", NodegroupSize(0, 2, 0)), ("ng-a", SIZES["ng-a"]), ("ng-b", SIZES["ng-b"])]
    stored = world.hibernation.get("org-1", "c-1")
    assert (stored.desired_state, stored.applied_state, stored.saved_sizes) == ("awake", "awake", SIZES)
    assert scaling.assumed[0] == (ROLE, "x-1", "spothive-hibernation-prod")
    sleep = next(r for r in world.ledger.records("org-1") if r.action == "hibernation.sleep")
    assert (sleep.reason, sleep.after["nodegroups"]["ng-a"]) == ("weekly schedule", {"min": 1, "max": 6, "desired": 3})


def test_with_safe_mode_on_the_transition_is_an_audited_dry_run_and_aws_is_not_called(service, world, scaling):
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC")
    world.safe_mode.on = True

    summary = worker(world, scaling).tick()
    repeat = worker(world, scaling).tick()

    assert (summary.transitions, summary.dry_runs, repeat.transitions) == (["org-1/c-1:dry_run"], 1, [])
    assert scaling.assumed == [] and scaling.scaler.calls == []
    stored = world.hibernation.get("org-1", "c-1")
    assert (stored.desired_state, stored.applied_state) == ("asleep", "dry_run")
    dry = [r for r in world.ledger.records("org-1") if r.action == "hibernation.sleep"]
    assert [(r.after["dry_run"], r.reason) for r in dry] == [(True, "SAFE_MODE is on: logged only, no AWS call")]


def test_a_failed_scaling_is_recorded_and_retried_on_the_next_tick(service, world, scaling):
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC")
    scaling.scaler.failing = True

    failed = worker(world, scaling).tick()
    scaling.scaler.failing = False
    retried = worker(world, scaling).tick()

    assert failed.transitions == ["org-1/c-1:failed"] and failed.failures == ["org-1/c-1"]
    assert retried.transitions == ["org-1/c-1:asleep"]
    assert world.hibernation.get("org-1", "c-1").applied_state == "asleep"
    assert "hibernation.sleep.failed" in world.ledger.actions("org-1")


@pytest.mark.parametrize(("switch", "other_sleeps", "reason"), [
    ({"cluster:org-1:c-1": True}, True, "cluster SAFE_MODE on"),
    ({"org:org-1": True}, False, "tenant SAFE_MODE on"),
    ({"global": True, "cluster:org-1:c-1": False}, False, "global SAFE_MODE on"),
])
def test_the_tenant_and_cluster_safe_mode_levels_make_their_transitions_dry_runs(service, world, scaling, switch,
                                                                                 other_sleeps, reason):
    # Given two sleeping schedules of one tenant and SAFE_MODE on at one level only
    world.inventory.add_cluster(StoredCluster("org-1", "c-2", "acct-1", "stage", "us-east-1", "arn:c2", "1.29",
                                              "ACTIVE", ("ng-a", "ng-b"), 4, NOW, NOW))
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC")
    service.save_schedule(ALICE, "c-2", ASLEEP_ALWAYS, "UTC")
    switches = MemorySafeModeSwitches()
    switches.scopes.update(switch)
    levels = HibernationWorker(world.hibernation, world.inventory, world.tenancy, scaling, world.safe_mode,
                               world.clock, safe_modes=SafeModeService(switches, world.ledger))
    # When the worker ticks (the global flag it was given is off)
    summary = levels.tick()
    # Then c-1 is a dry run naming the level; c-2 sleeps only when no level covers it
    other = "asleep" if other_sleeps else "dry_run"
    assert sorted(summary.transitions) == ["org-1/c-1:dry_run", f"org-1/c-2:{other}"]
    assert world.hibernation.get("org-1", "c-2").applied_state == other
    dry = next(r for r in world.ledger.records("org-1") if r.action == "hibernation.sleep" and r.resource_id == "c-1")
    assert dry.after["dry_run"] is True and dry.reason == f"SAFE_MODE is on ({reason}): logged only, no AWS call"


def test_an_unreadable_safe_mode_level_makes_hibernation_a_dry_run(service, world, scaling):
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC")
    switches = MemorySafeModeSwitches()
    switches.unreadable = True
    levels = HibernationWorker(world.hibernation, world.inventory, world.tenancy, scaling, world.safe_mode,
                               world.clock, safe_modes=SafeModeService(switches, world.ledger))

    assert levels.tick().transitions == ["org-1/c-1:dry_run"]
    assert scaling.assumed == [] and scaling.scaler.calls == []


def test_a_capture_refused_before_any_write_is_recorded_with_its_reason_and_recaptured_next_tick(service, world):
    # Given the cluster's only self-managed group lacks the tag the customer role requires
    from spothive.domain.hibernation_targets import AsgState

    scaler = ScriptedScaler(asgs={"nodes": AsgState(NodegroupSize(1, 4, 2), role_may_scale=False)})
    scaling = ScriptedScaling(scaler)
    service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC", target="asg")
    failed = worker(world, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert failed.failures == ["org-1/c-1"] and scaler.writes == []
    assert (stored.desired_state, stored.applied_state) == ("asleep", "failed")
    assert "lack the tag spothive:managed=true" in stored.last_error
    # When the customer tags it, the next tick captures the group afresh and sleeps it
    scaler.asgs["nodes"] = AsgState(NodegroupSize(1, 4, 2))
    slept = worker(world, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert slept.transitions == ["org-1/c-1:asleep"]
    assert (stored.applied_state, stored.saved_sizes, stored.last_error) == ("asleep", {"nodes": NodegroupSize(1, 4, 2)},
                                                                             None)
    assert scaler.asgs["nodes"].size == NodegroupSize(0, 0, 0)
