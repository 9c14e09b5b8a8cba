"""Given a linked customer, "Optimize Now" runs the real optimization state machine end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.support.wired import wired

pytestmark = pytest.mark.integration


def optimize(stack, client, linked, body=None):  # type: ignore[no-untyped-def]
    response = client.post(f"/api/clusters/{linked.cluster_id}/optimize", headers=linked.tenant.headers,
                           json=body if body is not None else {})
    assert response.status_code == 202, response.text
    started = response.json()
    described = stack.wait_execution(started["execution_arn"])
    job = client.get(f"/api/clusters/{linked.cluster_id}/jobs/{started['job_id']}",
                     headers=linked.tenant.headers).json()
    return started, described, job


def audit(linked, action=None):  # type: ignore[no-untyped-def]
    records = list(wired().ledger.records(linked.tenant.org_id))
    return [r for r in records if action is None or r.action == action]


def test_dry_run_records_one_audit_record_per_approved_action_and_changes_nothing(stack, client, linked, cache):
    started, described, job = optimize(stack, client, linked, {"dry_run": True})

    assert started["status"] == "running"
    assert started["execution_arn"].endswith(f":{started['job_id']}")
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["decision"]["action_count"] == 2
    assert output["execution"] == {"mode": "dry_run", "safe_mode": "dry_run requested", "recorded": 2,
                                   "new_records": 2}
    assert job["status"] == "succeeded"
    assert job["dry_run"] is True
    summary = job["decisions"]
    assert (summary["basis"], summary["approved"], summary["blocked"]) == ("spot-only", 2, 0)
    on_demand = sorted(linked.node_ids[:2])
    assert sorted(a["target"] for a in summary["approved_actions"]) == on_demand
    dry = audit(linked, "optimization.dry_run")
    assert sorted(r.after["action"]["target"] for r in dry) == on_demand
    assert all(r.after["action"]["type"] == "replace_with_spot" for r in dry)
    assert all("Spot in us-east-1" in r.reason for r in dry)
    assert all(r.after["evidence"]["instance_type"] == "m5.xlarge" for r in dry)
    actions = [r.action for r in audit(linked) if r.action.startswith("optimization.")]
    assert actions == ["optimization.requested", "optimization.dry_run", "optimization.dry_run",
                       "optimization.completed"]
    assert job["audit_seqs"] == [r.seq for r in audit(linked) if r.action.startswith("optimization.")]
    assert wired().agent_actions.stored(linked.tenant.org_id, linked.cluster_id) == []


def test_without_an_agent_execution_fails_through_compensate(stack, client, linked, cache):
    _, described, job = optimize(stack, client, linked, {"dry_run": False})

    assert described["status"] == "FAILED"
    assert described["error"] == "OptimizationFailed"
    assert job["status"] == "failed"
    assert job["error"].startswith("AgentNotConnected: no connected agent for cluster")
    failed = audit(linked, "optimization.failed")
    assert len(failed) == 1
    assert "no heartbeat ever" in failed[0].reason
    assert failed[0].after["compensation"]["withdrawn"] == 0
    assert audit(linked, "optimization.dry_run") == []
    assert wired().agent_actions.stored(linked.tenant.org_id, linked.cluster_id) == []


def test_a_retried_execute_prepares_the_same_waves_and_queues_nothing_itself(stack, client, linked, cache):
    # Given a connected agent and a Spot-only plan (no snapshot: its nodes cannot be tied to instances)
    cache.set(f"agent:heartbeat:{linked.tenant.org_id}:{linked.cluster_id}", datetime.now(UTC).isoformat(), ex=120)
    cache.set("SAFE_MODE", "FALSE")
    calls = []

    def execute_twice(event, context):  # type: ignore[no-untyped-def]
        from functions import optimization_steps

        calls.append(optimization_steps.execute(event, context))
        return optimization_steps.execute(event, context)

    try:
        with stack.registry.override({"opt-execute": execute_twice}):
            _, described, job = optimize(stack, client, linked, {"dry_run": False})
    finally:
        cache.delete("SAFE_MODE")

    # Then both runs planned alike, every action is skipped with its reason, and nothing reached the agent
    assert described["status"] == "SUCCEEDED"
    second = json.loads(described["output"])["execution"]
    assert calls[0] == second == {"mode": "nothing", "waves": 0, "per_wave": 1, "skipped": 2,
                                  "planned_saving_per_hour": 0.0}
    reasons = {a["reason"] for a in job["decisions"]["skipped_actions"]}
    assert reasons == {f"{n} is not in the latest snapshot with an instance id" for n in linked.node_ids[:2]}
    assert wired().agent_actions.stored(linked.tenant.org_id, linked.cluster_id) == []
    assert job["status"] == "succeeded"


def test_a_hive_mind_flag_on_the_target_pool_blocks_that_action(stack, client, linked, cache):
    # Given the Spot-only plan moves both m5.xlarge nodes to the cheapest pool, flagged DANGER by the hive mind
    _, _, planned = optimize(stack, client, linked, {"dry_run": True})
    pool = wired().jobs.get(linked.tenant.org_id, planned["job_id"]).data["detect"]["spot"][0]
    zone = pool["zone"]
    cache.set(f"RISK:{zone}:m5.xlarge", "DANGER", ex=600)
    try:
        _, described, job = optimize(stack, client, linked, {"dry_run": True})
    finally:
        cache.delete(f"RISK:{zone}:m5.xlarge")

    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["risk"]["flagged"] == [f"RISK:{zone}:m5.xlarge"]
    assert (job["decisions"]["approved"], job["decisions"]["blocked"]) == (0, 2)
    reasons = {a["reason"] for a in job["decisions"]["blocked_actions"]}
    assert reasons == {f"blocked: spot pool {zone}:m5.xlarge is high-risk"}
    assert json.loads(described["output"])["decision"]["action_count"] == 0
