"""Given a cluster's stored automation mode, the automation worker (WORK-OPT-01) starts what the mode promises:
``recommend`` a preview (after discovery and on its schedule), ``auto`` an execution within the disruption
budget, ``off`` nothing; SAFE_MODE turns ``auto`` into a preview, a running job blocks a second start."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from spothive.domain.audit import AuditEntry
from spothive.domain.jobs import Job, JobStatus
from tests.integration.workflows.agent_double import AgentDouble
from tests.integration.workflows.test_execution_flow import Cluster, cluster, safe_mode_off  # noqa: F401 - fixtures
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def set_mode(client, tenant, cluster_id: str, mode: str, **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    current = client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()
    response = client.patch("/api/policies/automation", headers=tenant.headers,
                            json={"cluster_id": cluster_id, "expected_version": current["version"], "mode": mode,
                                  **extra})
    assert response.status_code == 200, response.text
    return dict(response.json())


def automate(stack, org_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One pass of the worker over the org, as discovery's trigger sends it."""
    result: dict[str, Any] = stack.invoke("worker-optimize", {"org_id": org_id, "trigger": "test"})
    return result


def only(result: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    (outcome,) = [o for o in result["outcomes"] if o["cluster_id"] == cluster_id]
    return outcome


def jobs_of(org_id: str, cluster_id: str) -> list[Job]:
    return list(wired().jobs.recent(org_id, cluster_id))


def finished(stack, client, tenant, cluster_id: str, job_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30  # a worker invoked asynchronously may still be starting the execution
    job = wired().jobs.get(tenant.org_id, job_id)
    while (job is None or not job.execution_arn) and time.monotonic() < deadline:
        time.sleep(0.1)
        job = wired().jobs.get(tenant.org_id, job_id)
    assert job is not None and job.execution_arn
    described = stack.wait_execution(job.execution_arn)
    assert described["status"] == "SUCCEEDED", described
    body: dict[str, Any] = client.get(f"/api/clusters/{cluster_id}/jobs/{job_id}", headers=tenant.headers).json()
    return body


def test_recommend_gets_a_preview_after_discovery_and_no_second_one_for_the_same_snapshot(
        stack, client, linked) -> None:  # type: ignore[no-untyped-def]
    # Given a cluster whose stored mode is recommend
    tenant, cid = linked.tenant, linked.cluster_id
    policy = set_mode(client, tenant, cid, "recommend")
    assert policy["automation"]["threshold"] == {"payback_days": 7, "min_monthly_saving_usd": 5.0}
    # When discovery scans the account (it invokes the worker asynchronously when it finishes)
    stack.fire_schedule("discovery")
    deadline = time.monotonic() + 30
    while not jobs_of(tenant.org_id, cid) and time.monotonic() < deadline:
        time.sleep(0.1)
    (job,) = jobs_of(tenant.org_id, cid)
    # Then the worker started a preview, as system:automation, that changes nothing
    assert (job.actor, job.dry_run) == ("system:automation", True)
    assert job.data["automation"]["trigger"] == "discovery"
    body = finished(stack, client, tenant, cid, job.job_id)
    assert body["actor"] == "system:automation"
    decisions = body["decisions"]
    assert decisions["automation"]["mode"] == "recommend"
    assert decisions["automation"]["reason"] == "mode recommend: a preview of what auto would carry out"
    # And both On-Demand nodes pay their move back: the reason states each one's figures (no snapshot: 8 pods)
    assert (decisions["approved"], decisions["skipped"]) == (2, 0)
    stored = wired().jobs.get(tenant.org_id, job.job_id).data["decision"]
    for action in stored["approved"]:
        econ = action["evidence"]["economics"]
        assert (econ["pods_evicted"], econ["nodes_churned"], econ["disruption_cost"]) == (8, 2, 4.0)
        assert econ["payback_days"] < 7
        assert f"saves ${econ['saving_per_month']:,.2f}/month, disruption cost $4.00 (8 pods assumed: no snapshot)" \
            in action["reason"]
    assert body["progress"]["waves"] == []
    # And the start is audited with its mode and reason, and shows in the activity feed
    (record,) = [r for r in wired().ledger.records(tenant.org_id) if r.action == "optimization.automated"]
    assert (record.actor, record.after["mode"], record.after["dry_run"]) == ("system:automation", "recommend", True)
    events = client.get("/api/activity/live", headers=tenant.headers).json()["events"]
    line = next(e for e in events if e["action"] == "optimization.automated")
    assert (line["actor"], line["message"]) == (
        "system:automation", f"Automation (recommend) started a preview of cluster {cid}: "
        "mode recommend: a preview of what auto would carry out")
    # When the hourly schedule runs with the snapshot unchanged
    again = only(stack.fire_schedule("automation"), cid)
    # Then no second preview is started
    assert again["started"] is False
    assert again["reason"] == f"preview {job.job_id} of the same snapshot is fresh (less than 24 h old)"
    assert len(jobs_of(tenant.org_id, cid)) == 1


def test_off_and_a_cluster_without_a_saved_policy_get_nothing(stack, client, linked) -> None:  # type: ignore[no-untyped-def]
    tenant, cid = linked.tenant, linked.cluster_id
    untouched = only(automate(stack, tenant.org_id), cid)
    assert (untouched["started"], untouched["mode"]) == (False, None)
    assert untouched["reason"].startswith("no saved policy")
    set_mode(client, tenant, cid, "off")
    off = only(automate(stack, tenant.org_id), cid)
    assert (off["started"], off["mode"], off["reason"]) == (False, "off", "mode off: automation never plans this cluster")
    assert jobs_of(tenant.org_id, cid) == []


def test_a_running_job_blocks_a_second_start(stack, client, linked) -> None:  # type: ignore[no-untyped-def]
    # Given a job still running for the cluster (started by a person)
    tenant, cid = linked.tenant, linked.cluster_id
    set_mode(client, tenant, cid, "recommend")
    now = datetime.now(UTC)
    running = Job(tenant.org_id, "job-running-by-hand", cid, JobStatus.RUNNING, "user:someone", False, now, now)
    wired().jobs.create(running, AuditEntry("user:someone", "optimization.requested", "cluster", cid,
                                            after={"job_id": running.job_id}))
    # When the worker runs
    outcome = only(automate(stack, tenant.org_id), cid)
    # Then it starts nothing and says which job runs
    assert (outcome["started"], outcome["reason"]) == (False, "job job-running-by-hand is still running for the cluster")
    assert [j.job_id for j in jobs_of(tenant.org_id, cid)] == ["job-running-by-hand"]


def test_auto_under_cluster_safe_mode_previews_only_and_says_so(stack, client, linked) -> None:  # type: ignore[no-untyped-def]
    tenant, cid = linked.tenant, linked.cluster_id
    set_mode(client, tenant, cid, "auto")
    on = client.put(f"/api/clusters/{cid}/safe-mode", headers=tenant.headers, json={"on": True, "reason": "test"})
    assert on.status_code == 200, on.text
    outcome = only(automate(stack, tenant.org_id), cid)
    assert (outcome["started"], outcome["dry_run"], outcome["mode"]) == (True, True, "auto")
    assert outcome["reason"] == "mode auto, but SAFE_MODE is on (cluster SAFE_MODE on): preview only"
    body = finished(stack, client, tenant, cid, outcome["job_id"])
    assert body["dry_run"] is True
    assert body["decisions"]["execution"]["mode"] == "dry_run"
    assert wired().agent_actions.stored(tenant.org_id, cid) == []


def test_auto_executes_within_the_disruption_budget(stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # Given an idle cluster with a snapshot, a connected agent and mode auto retiring one node at a time
    c: Cluster = cluster
    set_mode(client, c.tenant, c.cluster_id, "auto", max_nodes=1, max_percent=100)
    agent = AgentDouble(client, c.token, c.cluster_id, cache)
    agent.beat()
    before = c.instances()
    # When the worker runs
    outcome = only(automate(stack, c.tenant.org_id), c.cluster_id)
    # Then it started an execution (not a preview) and the agent carried it out
    assert (outcome["started"], outcome["dry_run"]) == (True, False)
    assert outcome["reason"] == "mode auto: carrying out what pays back, within the disruption budget"
    job = wired().jobs.get(c.tenant.org_id, outcome["job_id"])
    assert job is not None and job.execution_arn
    described = agent.run_until(stack, job.execution_arn)
    assert described["status"] == "SUCCEEDED", described
    body = client.get(f"/api/clusters/{c.cluster_id}/jobs/{job.job_id}", headers=c.tenant.headers).json()
    assert (body["status"], body["actor"], body["dry_run"]) == ("succeeded", "system:automation", False)
    # And no wave retired more nodes than the budget allows, and something was retired
    waves = body["progress"]["waves"]
    assert waves and all(len(w["retire"]) <= 1 for w in waves)
    retired = {t["instance_id"] for w in waves for t in w["terminated"] if not t.get("added")}
    assert retired and {c.instances()[i]["State"]["Name"] for i in retired} <= {"shutting-down", "terminated"}
    assert set(before) >= retired
    # And every action it carried out paid back within the policy's window
    stored = wired().jobs.get(c.tenant.org_id, job.job_id).data["decision"]
    assert stored["approved"] and all("pays back in" in a["reason"] for a in stored["approved"]
                                      if a["type"] in ("remove_node", "replace_with_spot"))
    groups = stored["groups"]
    assert groups["planned"] == groups["approved"] + groups["blocked"] + groups["skipped"]
    # When the worker runs again before the agent has reported a new snapshot
    again = only(automate(stack, c.tenant.org_id), c.cluster_id)
    # Then the same snapshot is not carried out twice
    assert (again["started"], again["reason"]) == (
        False, f"execution {job.job_id} of the same snapshot is fresh (less than 24 h old)")


@pytest.mark.parametrize(("field", "value"), [("payback_days", 0), ("payback_days", 91),
                                              ("min_monthly_saving_usd", -1)])
def test_a_bad_threshold_field_is_a_422_naming_it_and_changes_nothing(client, linked, field, value) -> None:  # type: ignore[no-untyped-def]
    tenant, cid = linked.tenant, linked.cluster_id
    response = client.patch("/api/policies/automation", headers=tenant.headers,
                            json={"cluster_id": cid, "expected_version": 0, "mode": "auto", field: value})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert client.get(f"/api/policies/{cid}", headers=tenant.headers).json()["version"] == 0
