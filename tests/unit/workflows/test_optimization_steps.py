"""The optimization steps over in-memory ports: decisions, SAFE_MODE, agents, compensation, outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.domain.jobs import Job
from spothive.domain.risk_signals import FlagLevel, PoolFlag
from spothive.services.hive_mind import HiveMind
from spothive.services.optimization import AgentNotConnected, OptimizationSteps, StepInput, error_summary
from spothive.services.risk_heuristic import FallbackRiskModel
from tests.support.fakes import (
    NOW,
    FixedCatalogs,
    FixedClock,
    MemoryAgentActions,
    MemoryHeartbeats,
    MemoryJobsRepo,
    MemoryLedger,
    MemorySignals,
    SafeMode,
)

IDS = StepInput("org-1", "c-1", "job-1")
SPOT = [
    {"node": "i-a", "instance_type": "m5.xlarge", "zone": "us-east-1c", "saving_per_hour": 0.1, "reason": "cheaper"},
    {"node": "i-b", "instance_type": "c5.xlarge", "zone": "us-east-1a", "saving_per_hour": 0.05, "reason": "cheap"},
]




def heartbeats(clock, last):  # type: ignore[no-untyped-def]
    beats = MemoryHeartbeats(clock)
    if last is not None:
        beats.beat("org-1", "c-1", last)
    return beats


def job(dry_run=False, **data):  # type: ignore[no-untyped-def]
    return Job("org-1", "job-1", "c-1", "running", "user:u-1", dry_run, NOW, NOW, data=data)


def steps(jobs, *, signals=None, safe=False, heartbeat=None, actions=None, global_safe=False):  # type: ignore[no-untyped-def]
    clock = FixedClock()
    return OptimizationSteps(
        jobs, inventory=None, catalogs=FixedCatalogs(), snapshots=None, risk_model=FallbackRiskModel(None),  # type: ignore[arg-type]
        hive_mind=HiveMind(signals or MemorySignals(), clock), heartbeats=heartbeats(clock, heartbeat),
        actions=actions or MemoryAgentActions(), safe_mode=SafeMode(safe), clock=clock,
        global_safe_mode=global_safe,
    )


def repo(dry_run=False, **data):  # type: ignore[no-untyped-def]
    clock = FixedClock()
    jobs = MemoryJobsRepo(MemoryLedger(clock), clock)
    jobs.jobs[("org-1", "job-1")] = job(dry_run, **data)
    return jobs


def test_a_danger_flag_blocks_the_replacement_into_that_pool_with_its_reason():
    jobs = repo(detect={"basis": "spot-only", "plan": None, "spot": SPOT})
    flag = PoolFlag("us-east-1c", "m5.xlarge", FlagLevel.DANGER, 3)
    s = steps(jobs, signals=MemorySignals({flag.key: flag}))

    risk = s.assess_risk(IDS)
    decided = s.decide(IDS)

    assert risk["flagged"] == ["RISK:us-east-1c:m5.xlarge"]
    assert (risk["pools"], risk["degraded"]) == (2, False)
    assert decided["action_count"] == 1
    assert decided["blocked"] == [{"target": "i-a", "reason": "blocked: spot pool us-east-1c:m5.xlarge is high-risk"}]
    approved = jobs.get("org-1", "job-1").data["decision"]["approved"]
    assert [(a["type"], a["target"], a["reason"]) for a in approved] == [("replace_with_spot", "i-b", "cheap")]
    assert approved[0]["evidence"]["zone"] == "us-east-1a"


def test_with_the_cache_down_risk_degrades_and_says_so():
    jobs = repo(detect={"basis": "spot-only", "plan": None, "spot": SPOT})
    risk = steps(jobs, signals=MemorySignals(down=True)).assess_risk(IDS)
    assert risk["degraded"] is True
    assert risk["reason"] == "hive mind unavailable: scored on the model alone"
    assert risk["flagged"] == []


def test_risk_scores_every_pool_in_one_lookup():
    jobs = repo(detect={"basis": "spot-only", "plan": None, "spot": SPOT})
    signals = MemorySignals()
    steps(jobs, signals=signals).assess_risk(IDS)
    assert signals.calls == 1
    assert set(jobs.get("org-1", "job-1").data["risk"]["probabilities"]) == {
        "us-east-1c:m5.xlarge", "us-east-1a:c5.xlarge"}


APPROVED = {"approved": [{"type": "replace_with_spot", "target": "i-a", "reason": "r0", "evidence": {"k": 0},
                          "details": {}},
                         {"type": "replace_with_spot", "target": "i-b", "reason": "r1", "evidence": {"k": 1},
                          "details": {}}], "blocked": []}


@pytest.mark.parametrize(("dry_run", "safe", "global_safe", "why"), [
    (True, False, False, "dry_run requested"),
    (False, True, False, "SAFE_MODE flag"),
    (False, False, True, "SAFE_MODE setting"),
    (False, None, False, "SAFE_MODE flag unreadable (cache unavailable): assumed on"),
])
def test_safe_mode_records_one_dry_run_per_action_once(dry_run, safe, global_safe, why):
    jobs = repo(dry_run, decision=APPROVED)
    actions = MemoryAgentActions()
    s = steps(jobs, safe=safe, actions=actions, global_safe=global_safe)

    first, again = s.execute(IDS), s.execute(IDS)

    assert first == {"mode": "dry_run", "safe_mode": why, "recorded": 2, "new_records": 2}
    assert again["new_records"] == 0
    assert [(k, e.action, e.reason) for k, e in jobs.audit] == [
        ("dry_run:0", "optimization.dry_run", "r0"), ("dry_run:1", "optimization.dry_run", "r1")]
    assert jobs.audit[1][1].after["evidence"] == {"k": 1}
    assert actions.stream == {}


def test_without_a_fresh_heartbeat_execute_refuses_and_enqueues_nothing():
    jobs = repo(decision=APPROVED)
    actions = MemoryAgentActions()
    stale = NOW - timedelta(seconds=61)
    with pytest.raises(AgentNotConnected, match="last heartbeat 61s ago"):
        steps(jobs, heartbeat=stale, actions=actions).execute(IDS)
    assert actions.stream == {}


def test_with_an_agent_actions_are_enqueued_once_and_compensation_withdraws_untaken_ones():
    jobs = repo(decision=APPROVED)
    actions = MemoryAgentActions()
    s = steps(jobs, heartbeat=NOW - timedelta(seconds=5), actions=actions)

    first, again = s.execute(IDS), s.execute(IDS)
    queued = dict(actions.stream)
    actions.taken.add("job-1.0")
    compensated = s.compensate(IDS, {"Error": "States.Timeout"})

    assert (first["enqueued"], first["new"], again["new"]) == (2, 2, 0)
    assert [(a["id"], a["type"], a["params"], a["reason"], a["plan_id"]) for a in queued.values()] == [
        ("job-1.0", "cordon", {"node": "i-a"}, "r0", "job-1"), ("job-1.1", "cordon", {"node": "i-b"}, "r1", "job-1")]
    assert compensated == {"withdrawn": 1, "taken": ["job-1.0"], "error": "States.Timeout"}
    assert jobs.get("org-1", "job-1").status == "compensated"
    assert list(actions.stream) == ["job-1.0"]


def test_record_writes_the_failure_with_its_reason_once():
    jobs = repo(decision=APPROVED)
    state = {"error": {"Error": "AgentNotConnected", "Cause": '{"errorMessage": "no agent"}'},
             "compensation": {"withdrawn": 0}}
    s = steps(jobs)
    first, again = s.record(IDS, state), s.record(IDS, state)
    assert first == {"status": "failed", "audit_seq": 1, "reason": "AgentNotConnected: no agent"}
    assert again["audit_seq"] is None
    (key, entry), = jobs.audit
    assert (key, entry.action, entry.after["approved"]) == ("outcome", "optimization.failed", 2)
    assert jobs.get("org-1", "job-1").status == "failed"


def test_record_of_a_success():
    jobs = repo(decision=APPROVED)
    assert steps(jobs).record(IDS, {"execution": {"mode": "dry_run"}})["status"] == "succeeded"
    assert jobs.audit[0][1].action == "optimization.completed"
    assert jobs.audit[0][1].reason == "2 approved, 0 blocked"


def test_error_summary_reads_the_lambda_error_body():
    assert error_summary({"Error": "X", "Cause": '{"errorMessage": "boom"}'}) == "X: boom"
    assert error_summary({"Error": "X", "Cause": "plain"}) == "X: plain"
    assert error_summary(None) is None


def test_step_input_names_the_missing_field():
    from spothive.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        StepInput.parse({"org_id": "o", "cluster_id": "c"})
    assert caught.value.field == "job_id"
