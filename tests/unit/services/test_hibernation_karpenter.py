"""The Karpenter kind on the hub: sleep queues the agent action, its report is recorded, wake restores the limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.domain.errors import Conflict
from spothive.domain.inventory import StoredCluster
from spothive.domain.tenancy import Account, AccountStatus
from spothive.services.hibernation import HibernationService, HibernationWorker
from spothive.services.hibernation_karpenter import KarpenterHibernation
from tests.support.fakes import NOW, Fakes, ScriptedScaler, ScriptedScaling
from tests.unit.services.helpers import principal

ALICE = principal()
ASLEEP_ALWAYS = [0] * 168
LIMITS = {"spothive-general": {"cpu": "100", "memory": "400Gi"}, "spothive-batch": {}}


class RecordingWake:
    def __init__(self) -> None:
        self.notified: list[tuple[str, str]] = []

    def notify(self, org_id: str, cluster_id: str) -> None:
        self.notified.append((org_id, cluster_id))

    def wait(self, org_id: str, cluster_id: str, timeout_s: float) -> bool:
        return False


@pytest.fixture
def world() -> Fakes:
    w = Fakes()
    w.inventory.add_cluster(StoredCluster("org-1", "c-1", "acct-1", "prod", "us-east-1", "arn:c", "1.31", "ACTIVE",
                                          (), 4, NOW, NOW))
    w.tenancy.save_account(Account("org-1", "acct-1", AccountStatus.ACTIVE, NOW, external_id="x-1",
                                   role_arn="arn:aws:iam::123456789012:role/r"))
    HibernationService(w.hibernation, w.inventory, w.clock).save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC",
                                                                          target="karpenter")
    return w


@pytest.fixture
def wake() -> RecordingWake:
    return RecordingWake()


@pytest.fixture
def scaling() -> ScriptedScaling:
    return ScriptedScaling(ScriptedScaler())


def worker(world: Fakes, wake: RecordingWake, scaling: ScriptedScaling) -> HibernationWorker:
    return HibernationWorker(world.hibernation, world.inventory, world.tenancy, scaling, world.safe_mode, world.clock,
                             KarpenterHibernation(world.actions, wake))


def sleep_report(deleted=("kp-1-claim",), refused=()) -> dict:
    return {"reason": "2 NodePool(s) at zero limits", "refused": list(refused),
            "details": {"saved_limits": LIMITS, "nodeclaims_deleted": list(deleted)}}


def test_sleep_queues_the_agent_action_and_records_the_reported_limits(world, wake, scaling):
    # When the worker sees the schedule asleep
    first = worker(world, wake, scaling).tick()
    # Then one hibernate_karpenter sleep is queued for the cluster's agent (no AWS call) and woken
    stored = world.hibernation.get("org-1", "c-1")
    action = world.actions.stream[stored.action_id]
    assert first.transitions == ["org-1/c-1:pending"]
    assert (action["type"], action["params"]) == ("hibernate_karpenter", {"mode": "sleep", "deadline_s": 900})
    assert wake.notified == [("org-1", "c-1")] and scaling.assumed == []
    assert (stored.desired_state, stored.applied_state) == ("asleep", "pending")
    # When the next tick comes before the agent's report, nothing more is queued
    assert worker(world, wake, scaling).tick().transitions == []
    assert len(world.actions.stream) == 1
    # When the agent reports done, the next tick records asleep and the limits to restore
    world.actions.finish(stored.action_id, "done", sleep_report())
    done = worker(world, wake, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert done.transitions == ["org-1/c-1:asleep"]
    assert (stored.applied_state, stored.saved_limits, stored.last_error) == ("asleep", LIMITS, None)
    audit = next(r for r in world.ledger.records("org-1") if r.action == "hibernation.sleep.done")
    assert audit.after["nodepool_limits"] == {"spothive-batch": {}, "spothive-general": LIMITS["spothive-general"]}
    assert audit.after["nodeclaims_deleted"] == ["kp-1-claim"]


def test_wake_queues_exactly_the_saved_limits(world, wake, scaling):
    worker(world, wake, scaling).tick()
    world.actions.finish(world.hibernation.get("org-1", "c-1").action_id, "done", sleep_report())
    worker(world, wake, scaling).tick()
    # When a manual wake is asked for
    HibernationService(world.hibernation, world.inventory, world.clock).override(ALICE, "c-1", 60)
    woke = worker(world, wake, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    action = world.actions.stream[stored.action_id]
    # Then the wake action carries the limits the sleep saved, exactly
    assert woke.transitions == ["org-1/c-1:pending"]
    assert action["params"] == {"mode": "wake", "deadline_s": 900, "limits": LIMITS}
    assert stored.desired_state == "awake"
    world.actions.finish(stored.action_id, "done", {"reason": "limits restored", "details": {}})
    worker(world, wake, scaling).tick()
    assert world.hibernation.get("org-1", "c-1").applied_state == "awake"


def test_safe_mode_makes_the_transition_a_dry_run_with_no_action(world, wake, scaling):
    world.safe_mode.on = True
    summary = worker(world, wake, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert (summary.transitions, summary.dry_runs) == (["org-1/c-1:dry_run"], 1)
    assert world.actions.stream == {} and wake.notified == []
    assert (stored.desired_state, stored.applied_state, stored.action_id) == ("asleep", "dry_run", None)
    dry = next(r for r in world.ledger.records("org-1") if r.action == "hibernation.sleep")
    assert (dry.after["dry_run"], dry.reason) == (True, "SAFE_MODE is on: logged only, no agent action")


def test_a_failed_sleep_is_recorded_with_the_agents_reason_and_retried(world, wake, scaling):
    worker(world, wake, scaling).tick()
    first_id = world.hibernation.get("org-1", "c-1").action_id
    world.actions.finish(first_id, "failed", {"reason": "Kubernetes API error: 500; NodePool limits restored on a"})
    failed = worker(world, wake, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert failed.failures == ["org-1/c-1"]
    assert stored.applied_state == "failed"
    assert stored.last_error == "agent: failed: Kubernetes API error: 500; NodePool limits restored on a"
    entry = next(r for r in world.ledger.records("org-1") if r.action == "hibernation.sleep.failed")
    assert entry.after["left"] == "awake"
    # When the next tick comes, a new sleep action is queued
    world.clock.advance(timedelta(minutes=1))
    retried = worker(world, wake, scaling).tick()
    again = world.hibernation.get("org-1", "c-1")
    assert retried.transitions == ["org-1/c-1:pending"] and again.action_id != first_id
    assert world.actions.stream[again.action_id]["params"]["mode"] == "sleep"


def test_an_action_the_agent_never_takes_is_withdrawn_after_its_lifetime(world, wake, scaling):
    worker(world, wake, scaling).tick()
    action_id = world.hibernation.get("org-1", "c-1").action_id
    world.clock.advance(timedelta(hours=2))
    expired = worker(world, wake, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert expired.failures == ["org-1/c-1"]
    assert action_id not in world.actions.stream  # withdrawn
    assert stored.last_error.startswith(f"the agent did not take action {action_id} before ")


def test_a_lost_enqueue_is_not_queued_again_while_safe_mode_is_on(world, wake, scaling):
    # Given a sleep recorded pending whose enqueue was lost
    worker(world, wake, scaling).tick()
    action_id = world.hibernation.get("org-1", "c-1").action_id
    for held in (world.actions.stream, world.actions.bodies, world.actions.owners):
        held.pop(action_id)
    world.actions.issued.discard(action_id)
    # When SAFE_MODE is on at the next tick
    world.safe_mode.on = True
    worker(world, wake, scaling).tick()
    # Then nothing is queued for the agent
    assert world.actions.stream == {}
    # When SAFE_MODE is off again, the same action is queued
    world.safe_mode.on = False
    worker(world, wake, scaling).tick()
    assert list(world.actions.stream) == [action_id]


def test_a_wake_after_an_unreported_sleep_sends_no_limits_of_an_earlier_cycle(world, wake, scaling):
    service = HibernationService(world.hibernation, world.inventory, world.clock)
    # Given one full cycle: a sleep reported with LIMITS, then a manual wake done
    worker(world, wake, scaling).tick()
    world.actions.finish(world.hibernation.get("org-1", "c-1").action_id, "done", sleep_report())
    worker(world, wake, scaling).tick()
    service.override(ALICE, "c-1", 60)
    worker(world, wake, scaling).tick()
    world.actions.finish(world.hibernation.get("org-1", "c-1").action_id, "done", {"reason": "restored"})
    worker(world, wake, scaling).tick()
    assert world.hibernation.get("org-1", "c-1").saved_limits == {}
    # And the next sleep taken by the agent (it saves the NodePools' current limits) but not yet reported
    world.clock.advance(timedelta(hours=2))
    worker(world, wake, scaling).tick()
    world.actions.taken.add(world.hibernation.get("org-1", "c-1").action_id)
    # When a manual wake overtakes it
    service.override(ALICE, "c-1", 60)
    worker(world, wake, scaling).tick()
    action = world.actions.stream[world.hibernation.get("org-1", "c-1").action_id]
    # Then the wake names no limits of the earlier cycle: the agent restores what this sleep saved
    assert action["params"] == {"mode": "wake", "deadline_s": 900, "limits": {}}


def test_the_target_kind_cannot_change_while_a_wake_is_still_in_flight(world, wake, scaling):
    service = HibernationService(world.hibernation, world.inventory, world.clock)
    # Given a Karpenter cluster put to sleep, and a manual wake queued for its agent but not yet reported
    worker(world, wake, scaling).tick()
    world.actions.finish(world.hibernation.get("org-1", "c-1").action_id, "done", sleep_report())
    worker(world, wake, scaling).tick()
    service.override(ALICE, "c-1", 60)
    worker(world, wake, scaling).tick()
    stored = world.hibernation.get("org-1", "c-1")
    assert (stored.desired_state, stored.applied_state) == ("awake", "pending")
    # When the user switches the schedule to Auto Scaling groups
    with pytest.raises(Conflict) as refused:
        service.save_schedule(ALICE, "c-1", ASLEEP_ALWAYS, "UTC", target="asg")
    # Then it is refused: only the Karpenter kind can finish restoring the NodePools' limits
    assert refused.value.field == "target"
    assert world.hibernation.get("org-1", "c-1").target == "karpenter"
