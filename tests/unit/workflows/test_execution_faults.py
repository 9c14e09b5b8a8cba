"""Executor faults on the in-memory fakes: a throttled terminate, steps re-run after a timeout or a
re-driven execution, and a stale wave that plans again (bounded) instead of failing the job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from spothive.domain.agent_actions import ActionState, StoredAction
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import DependencyFailed
from spothive.domain.execution import DisruptionBudget, LaunchAttempt, snapshot_fingerprint
from spothive.domain.jobs import Job, JobStatus
from spothive.ports.execution import GroupContext, Launched
from spothive.services.execution import MAX_WAVE_REPLANS, ExecutionSteps, StalePlan, WaveRolledBack
from spothive.services.safe_mode import SafeModeService
from tests.support.fakes import NOW, Fakes, FixedCatalogs, MemoryAgentActions, MemorySafeModeSwitches

ORG, CLUSTER, JOB = "org-1", "c-1", "job-1"
GONE = ("shutting-down", "terminated")


class Actions(MemoryAgentActions):
    """The queue plus the agent's answers (``finish``) that the executor reads back with ``find``."""

    def __init__(self) -> None:
        super().__init__()
        self.states: dict[str, ActionState] = {}

    def find(self, action_id: str) -> StoredAction | None:
        if action_id not in self.stream:
            return None
        return StoredAction(ORG, CLUSTER, self.stream[action_id], self.states.get(action_id, ActionState.QUEUED), JOB)

    def finish(self, prefix: str) -> None:
        for action_id in self.stream:
            if action_id.startswith(prefix):  # taken and answered: no longer withdrawable
                self.taken.add(action_id)
                self.states[action_id] = ActionState.DONE


class Gateway:
    """``CapacityGateway`` over a dict of instance states; like the EC2 adapter it looks before it acts
    (a launched slot is found again, a gone instance is not terminated again). ``throttle`` answers
    terminate with the DependencyFailed the adapter raises for Throttling once the client gives up."""

    def __init__(self, *instance_ids: str) -> None:
        self.states = {i: "running" for i in instance_ids}
        self.slots: dict[str, str] = {}
        self.launch_calls: list[str] = []
        self.terminate_calls: list[str] = []
        self.throttle: set[str] = set()

    def group_context(self, cluster: str, nodegroup: str) -> GroupContext:
        return GroupContext(cluster, nodegroup, "lt-1", "$Latest", {"us-east-1a": "subnet-a"})

    def launch(self, slot: str, attempts: Sequence[LaunchAttempt], group: GroupContext) -> Launched:
        first = attempts[0]
        if slot in self.slots:
            iid = self.slots[slot]
            return Launched(iid, first.instance_types[0], first.capacity_type, "us-east-1a", f"ip-{iid}", "again", True)
        self.launch_calls.append(slot)
        iid = f"i-new{len(self.launch_calls)}"
        self.slots[slot], self.states[iid] = iid, "running"
        return Launched(iid, first.instance_types[0], first.capacity_type, "us-east-1a", f"ip-{iid}", first.why)

    def terminate(self, instance_id: str) -> str:
        state = self.states.get(instance_id, "terminated")
        if state in GONE:
            return state
        if instance_id in self.throttle:
            raise DependencyFailed(f"terminating {instance_id} failed: Throttling: Rate exceeded")
        self.terminate_calls.append(instance_id)
        self.states[instance_id] = "shutting-down"
        return "shutting-down"

    def running(self) -> set[str]:
        return {i for i, s in self.states.items() if s == "running"}


def snapshot(*names: str, itype: str = "m5.xlarge") -> dict[str, Any]:
    return {"nodes": [{"name": n, "instance_type": itype, "capacity_type": "on-demand", "zone": "us-east-1a",
                       "labels": {"spothive.io/instance-id": n.replace("ip", "i")}} for n in names],
            "pods": [{"namespace": "shop", "name": f"web-{n}", "node": n, "cpu_m": 100, "memory_mib": 128}
                     for n in names]}


def removal(node: str) -> dict[str, Any]:
    return {"type": "remove_node", "target": node, "reason": f"{node} is idle",
            "details": {"node": node, "price_per_hour": 0.192}, "evidence": {}}


ADD = {"type": "add_node", "target": "spothive-new-0001", "reason": "the pods fit on one c5.xlarge",
       "details": {"instance_type": "c5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a",
                   "price_per_hour": 0.17}}


@pytest.fixture
def world() -> Fakes:
    fakes = Fakes()
    fakes.jobs.create(Job(ORG, JOB, CLUSTER, JobStatus.RUNNING, "user:ops", False, NOW, NOW),
                      AuditEntry("user:ops", "optimization.requested", "cluster", CLUSTER))
    return fakes


def executor(world: Fakes, gateway: Gateway, actions: Actions, per_wave: int = 1) -> ExecutionSteps:
    safe = SafeModeService(MemorySafeModeSwitches(), world.ledger)
    return ExecutionSteps(world.jobs, world.snapshots, actions, safe, lambda _o, _c: (gateway, "eks-1", "general"),
                          FixedCatalogs(), world.clock,
                          budget_for=lambda _o, _c: (DisruptionBudget(max_nodes=per_wave, max_percent=100), True))


def planned(world: Fakes, snap: dict[str, Any]) -> None:
    world.snapshots.save(ORG, CLUSTER, snap)
    world.jobs.update(ORG, JOB, data={"detect": {"fingerprint": snapshot_fingerprint(snap)}})


def up_to_terminate(steps: ExecutionSteps, actions: Actions, index: int) -> None:
    """Cordon + launch, every replacement Ready, every drain done: what precedes Terminate."""
    steps.cordon_and_launch(ORG, CLUSTER, JOB, index)
    steps.await_ready(ORG, CLUSTER, JOB, index, f"token-ready-{index}")
    actions.finish(f"{JOB}.w{index}.")
    steps.drain(ORG, CLUSTER, JOB, index, f"token-drain-{index}")
    actions.finish(f"{JOB}.w{index}.")


def ledger(world: Fakes, prefix: str = "execution.") -> list[str]:
    return [r.action for r in world.ledger.records(ORG) if r.action.startswith(prefix)]


def first_of_two_waves_done(world: Fakes) -> tuple[ExecutionSteps, Gateway, Actions]:
    """Two waves of one node each (ip-0, then ip-1) and the first carried out to its terminate."""
    gateway, actions = Gateway("i-0", "i-1", "i-2"), Actions()
    steps = executor(world, gateway, actions)
    planned(world, snapshot("ip-0", "ip-1", "ip-2"))
    steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-0"), removal("ip-1")])
    up_to_terminate(steps, actions, 0)
    steps.terminate(ORG, CLUSTER, JOB, 0)
    return steps, gateway, actions


def job(world: Fakes) -> Job:
    found = world.jobs.get(ORG, JOB)
    assert found is not None
    return found


def test_a_throttled_terminate_retried_by_the_state_machine_terminates_each_node_once(world) -> None:
    # Given a wave retiring two drained nodes onto a Ready replacement
    gateway, actions = Gateway("i-0", "i-1", "i-2"), Actions()
    steps = executor(world, gateway, actions, per_wave=2)
    planned(world, snapshot("ip-0", "ip-1", "ip-2"))
    steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-0"), removal("ip-1")])
    up_to_terminate(steps, actions, 0)
    # When EC2 throttles the second terminate twice (the state machine retries DependencyFailed), then answers
    gateway.throttle = {"i-1"}
    for _ in range(2):
        with pytest.raises(DependencyFailed, match="Throttling"):
            steps.terminate(ORG, CLUSTER, JOB, 0)
        wave = job(world).data["progress"]["waves"]["0"]
        assert (wave["stage"], [t["node"] for t in wave["terminated"]]) == ("terminating", ["ip-0"])
    gateway.throttle = set()
    result = steps.terminate(ORG, CLUSTER, JOB, 0)
    # Then each old node was terminated exactly once, with one ledger record each, and the saving counted once
    assert gateway.terminate_calls == ["i-0", "i-1"]
    assert result["terminated"] == ["ip-0", "ip-1"]
    assert ledger(world).count("execution.removed") + ledger(world).count("execution.replaced") == 2
    progress = job(world).data["progress"]
    assert [m["instance_id"] for m in progress["moves"]] == ["i-0", "i-1", "i-new1"]
    assert gateway.running() == {"i-2", "i-new1"}


def test_a_terminate_throttled_past_its_retries_rolls_back_keeping_the_replacement(world) -> None:
    # Given the second terminate of a wave never gets through the throttling
    gateway, actions = Gateway("i-0", "i-1", "i-2"), Actions()
    steps = executor(world, gateway, actions, per_wave=2)
    planned(world, snapshot("ip-0", "ip-1", "ip-2"))
    steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-0"), removal("ip-1")])
    up_to_terminate(steps, actions, 0)
    gateway.throttle = {"i-1"}
    for _ in range(4):  # the first try and the state machine's 3 retries
        with pytest.raises(DependencyFailed):
            steps.terminate(ORG, CLUSTER, JOB, 0)
    # When the wave rolls back with the throttling error
    rolled = steps.rollback(ORG, CLUSTER, JOB, 0, "DependencyFailed: terminating i-1 failed: Throttling: Rate exceeded")
    # Then the Ready replacement stays, the node still running is uncordoned (the terminated one is not),
    # nothing was terminated twice, and the ledger says why
    assert rolled["replacements_kept"] == ["ip-i-new1"] and rolled["replacements_terminated"] == []
    assert rolled["uncordoned"] == ["ip-1"]
    assert gateway.terminate_calls == ["i-0"]
    assert gateway.running() == {"i-1", "i-2", "i-new1"}  # 3 nodes before, 3 now: capacity never lower
    uncordon = [a for a in actions.stream.values() if a["type"] == "uncordon"]
    assert [a["params"]["node"] for a in uncordon] == ["ip-1"]
    record = [r for r in world.ledger.records(ORG) if r.action == "execution.rolled_back"]
    assert len(record) == 1 and "Throttling" in record[0].reason
    assert job(world).data["progress"]["waves"]["0"]["stage"] == "rolled_back"


def test_steps_run_again_after_the_wave_finished_do_nothing_twice(world) -> None:
    # Given a wave carried out to the end
    gateway, actions = Gateway("i-0", "i-1"), Actions()
    steps = executor(world, gateway, actions)
    planned(world, snapshot("ip-0", "ip-1"))
    steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-0")])
    up_to_terminate(steps, actions, 0)
    steps.terminate(ORG, CLUSTER, JOB, 0)
    before = (list(gateway.launch_calls), list(gateway.terminate_calls), len(actions.issued), ledger(world),
              job(world).data["execution"])
    # When the same execution input runs again (a re-drive) and late duplicates of its steps arrive
    again = steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-0"), removal("ip-1")])
    launch = steps.cordon_and_launch(ORG, CLUSTER, JOB, 0)
    steps.terminate(ORG, CLUSTER, JOB, 0)
    # Then nothing is planned, launched, queued, terminated or recorded a second time
    assert again["already_planned"] is True and again["mode"] == "waves"
    assert launch["already"] == "terminated"
    assert (gateway.launch_calls, gateway.terminate_calls, len(actions.issued), ledger(world),
            job(world).data["execution"]) == before
    assert gateway.launch_calls == ["job-1.0.0"] and gateway.terminate_calls == ["i-0"]
    assert steps.next_wave(ORG, CLUSTER, JOB)["done"] is True


def test_a_re_run_of_a_job_whose_wave_rolled_back_does_not_resume_it(world) -> None:
    gateway, actions = Gateway("i-0", "i-1"), Actions()
    steps = executor(world, gateway, actions)
    planned(world, snapshot("ip-0", "ip-1"))
    steps.prepare(ORG, CLUSTER, JOB, [removal("ip-0")])
    steps.cordon_and_launch(ORG, CLUSTER, JOB, 0)
    steps.rollback(ORG, CLUSTER, JOB, 0, "AgentActionFailed: drain blocked")
    with pytest.raises(WaveRolledBack) as refused:
        steps.next_wave(ORG, CLUSTER, JOB)
    assert refused.value.field == "job_id"
    assert steps.cordon_and_launch(ORG, CLUSTER, JOB, 0)["already"] == "rolled_back"


def test_a_stale_wave_plans_again_at_most_twice_then_stops_safely(world) -> None:
    # Given two waves (one node each) and the first carried out
    steps, gateway, actions = first_of_two_waves_done(world)
    # When ip-1 disappears (a Spot interruption) before its wave starts
    planned(world, snapshot("ip-2", "ip-i-new1"))
    queued = len(actions.issued)
    first = steps.cordon_and_launch(ORG, CLUSTER, JOB, 1)
    # Then the wave is superseded, a re-plan is asked for and recorded with its reason; nothing was done
    assert first == {"replan": True, "reason": "wave 1 is stale: ip-1 is no longer in the cluster", "replans": 1,
                     "superseded": [1]}
    assert len(actions.issued) == queued and gateway.launch_calls == ["job-1.0.0"]
    assert steps.cordon_and_launch(ORG, CLUSTER, JOB, 1)["replan"] is True  # a retried step: same answer
    assert ledger(world).count("execution.replanned") == 1
    assert job(world).data["progress"]["replans"][0]["reason"] == first["reason"]
    assert steps.next_wave(ORG, CLUSTER, JOB)["done"] is True
    # And the new plan's waves continue the numbering (fresh action ids and launch slots), same budget
    replanned = steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-2")])
    execution = job(world).data["execution"]
    assert replanned["mode"] == "waves" and [w["index"] for w in execution["waves"]] == [0, 1, 2]
    assert execution["waves"][2]["launches"][0]["slot"] == "job-1.2.0"
    assert execution["budget"] == {"max_nodes": 1, "max_percent": 100}
    assert steps.next_wave(ORG, CLUSTER, JOB)["index"] == 2
    # When the cluster keeps changing under every new plan
    for number in range(2, MAX_WAVE_REPLANS + 2):
        planned(world, snapshot("ip-i-new1", itype=f"m5.{number}xlarge"))
        index = len(job(world).data["execution"]["waves"]) - 1
        if number <= MAX_WAVE_REPLANS:
            assert steps.cordon_and_launch(ORG, CLUSTER, JOB, index)["replans"] == number
            steps.prepare(ORG, CLUSTER, JOB, [removal("ip-i-new1")])
            continue
        # Then past the bound the wave stops (the state machine rolls it back), nothing of it done
        with pytest.raises(StalePlan, match=f"stopped after {MAX_WAVE_REPLANS} re-plan"):
            steps.cordon_and_launch(ORG, CLUSTER, JOB, index)
    assert ledger(world).count("execution.replanned") == MAX_WAVE_REPLANS
    assert gateway.launch_calls == ["job-1.0.0"] and gateway.terminate_calls == ["i-0"]


def test_a_retried_step_of_a_wave_already_begun_rolls_back_instead_of_planning_again(world) -> None:
    # Given a wave whose cordon and launch ran (its replacement launched, its node cordoned)
    gateway, actions = Gateway("i-0", "i-1"), Actions()
    steps = executor(world, gateway, actions)
    planned(world, snapshot("ip-0", "ip-1"))
    steps.prepare(ORG, CLUSTER, JOB, [ADD, removal("ip-0")])
    steps.cordon_and_launch(ORG, CLUSTER, JOB, 0)
    # When the node it retires disappears and the state machine retries the step (its answer was lost)
    planned(world, snapshot("ip-1", "ip-i-new1"))
    # Then the wave stops for its rollback (which terminates the unready replacement and uncordons)
    with pytest.raises(StalePlan, match="stale after it began"):
        steps.cordon_and_launch(ORG, CLUSTER, JOB, 0)
    # And it is not superseded: nothing it started is left behind unowned
    assert ledger(world).count("execution.replanned") == 0
    assert job(world).data["progress"]["waves"]["0"]["stage"] == "launched"
    assert gateway.launch_calls == ["job-1.0.0"]
    # And the rollback terminates the replacement that never became Ready
    steps.rollback(ORG, CLUSTER, JOB, 0, "wave 0 is stale after it began")
    assert gateway.terminate_calls == ["i-new1"]


def test_a_wave_whose_cordons_were_queued_before_its_stage_was_saved_is_begun_too(world) -> None:
    # Given a wave whose cordon was queued by an attempt that died before recording its stage
    gateway, actions = Gateway("i-0", "i-1"), Actions()
    steps = executor(world, gateway, actions)
    planned(world, snapshot("ip-0", "ip-1"))
    steps.prepare(ORG, CLUSTER, JOB, [removal("ip-0"), removal("ip-1")])
    actions.enqueue(ORG, CLUSTER, JOB, [{"id": f"{JOB}.w0.cordon.0", "type": "cordon"}])
    # When the retried step finds the wave stale
    planned(world, snapshot("ip-1"))
    # Then it rolls back rather than re-planning past the queued cordon
    with pytest.raises(StalePlan, match=r"after it began \(cordons queued\)"):
        steps.cordon_and_launch(ORG, CLUSTER, JOB, 0)


def test_a_stale_wave_of_an_approved_preview_stops_instead_of_planning_anew(world) -> None:
    # Given a job carrying out an approved preview, its first wave done
    world.jobs.update(ORG, JOB, data={"approved_from": "job-preview"})
    steps, gateway, actions = first_of_two_waves_done(world)
    # When ip-1 disappears before its wave starts
    planned(world, snapshot("ip-2", "ip-i-new1"))
    queued = len(actions.issued)
    # Then the wave stops (the state machine rolls it back) without a re-plan: nobody approved a new plan
    with pytest.raises(StalePlan, match="does only what was approved"):
        steps.cordon_and_launch(ORG, CLUSTER, JOB, 1)
    assert len(actions.issued) == queued and gateway.launch_calls == ["job-1.0.0"]
    assert ledger(world).count("execution.replanned") == 0
    assert "replans" not in job(world).data.get("progress", {})
