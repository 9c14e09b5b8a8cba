"""Given a previewed plan and a connected agent, approving it replaces capacity in moto safely: replacements
come up and are reported Ready before anything is drained, only drained nodes are terminated, and every
step lands in the audit ledger; a failed wave rolls back (fault injection at each step)."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from spothive import wiring
from spothive.local.demo_customer import customer_session, seed_customer
from tests.integration.slice.helpers import Tenant, signup
from tests.integration.workflows.agent_double import AgentDouble
from tests.support.wired import wired

pytestmark = pytest.mark.integration

#: Three idle On-Demand nodes: the planner packs their pods onto less, cheaper capacity.
NODES = (("m5.2xlarge", "on-demand", "a"), ("m5.2xlarge", "on-demand", "b"), ("m5.2xlarge", "on-demand", "c"))


@dataclass
class Cluster:
    tenant: Tenant
    cluster_id: str
    account: str
    region: str
    token: str

    def ec2(self) -> Any:
        return customer_session(self.account).client("ec2", region_name=self.region)

    def instances(self) -> dict[str, dict[str, Any]]:
        return {i["InstanceId"]: i for r in self.ec2().describe_instances()["Reservations"] for i in r["Instances"]}


def snapshot_of(cluster: Cluster, name: str) -> dict[str, Any]:
    nodes, pods = [], []
    for n, inst in enumerate(i for i in cluster.instances().values() if i["State"]["Name"] == "running"):
        node = inst["PrivateDnsName"]
        nodes.append({"name": node, "instance_type": inst["InstanceType"], "capacity_type": "on-demand",
                      "zone": inst["Placement"]["AvailabilityZone"], "taints": [],
                      "labels": {"spothive.io/instance-id": inst["InstanceId"],
                                 "eks.amazonaws.com/nodegroup": "general", "kubernetes.io/arch": "amd64"}})
        for p in range(2):
            pods.append({"namespace": "shop", "name": f"web-{n}-{p}", "node": node, "cpu_m": 250, "memory_mib": 512,
                         "gpu": 0, "owner": "web", "node_selector": {}, "do_not_disrupt": False})
    return {"cluster": name, "region": cluster.region, "nodes": nodes, "pods": pods, "pdbs": []}


@pytest.fixture
def cluster(stack, client) -> Cluster:  # type: ignore[no-untyped-def]
    account = str(uuid.uuid4().int)[:12].rjust(12, "2")
    name = f"x-{uuid.uuid4().hex[:6]}"
    customer = seed_customer(account, cluster_name=name, nodes=NODES, extra_standalone=0)
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": customer.role_arn})
    assert verified.status_code == 200, verified.text
    cluster_id = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"][0]["cluster_id"]
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    found = Cluster(tenant, cluster_id, account, customer.region, token)
    put = client.put(f"/api/clusters/{cluster_id}/snapshot", headers=tenant.headers, json=snapshot_of(found, name))
    assert put.status_code == 200, put.text
    return found


def preview(stack, client, c: Cluster) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    started = client.post(f"/api/clusters/{c.cluster_id}/optimize", headers=c.tenant.headers, json={})
    assert started.status_code == 202, started.text
    described = stack.wait_execution(started.json()["execution_arn"])
    assert described["status"] == "SUCCEEDED", described
    job: dict[str, Any] = client.get(f"/api/clusters/{c.cluster_id}/jobs/{started.json()['job_id']}",
                                     headers=c.tenant.headers).json()
    assert job["dry_run"] is True and job["decisions"]["approved"] > 0
    return job


def approve_and_run(stack, client, c: Cluster, agent: AgentDouble, job_id: str):  # type: ignore[no-untyped-def]
    agent.beat()  # a connected agent has called in before anyone approves
    started = client.post(f"/api/clusters/{c.cluster_id}/jobs/{job_id}/approve", headers=c.tenant.headers)
    assert started.status_code == 202, started.text
    described = agent.run_until(stack, started.json()["execution_arn"])
    job = client.get(f"/api/clusters/{c.cluster_id}/jobs/{started.json()['job_id']}", headers=c.tenant.headers).json()
    return described, job


def ledger(c: Cluster, prefix: str = "") -> list[Any]:
    return [r for r in wired().ledger.records(c.tenant.org_id) if r.action.startswith(prefix)]


@pytest.fixture
def safe_mode_off(cache):  # type: ignore[no-untyped-def]
    cache.set("SAFE_MODE", "FALSE")
    yield
    cache.delete("SAFE_MODE")


def test_an_approved_preview_replaces_nodes_ready_first_and_records_the_saving(
        stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    # Given a preview of the idle cluster and a connected agent
    planned = preview(stack, client, cluster)
    before = cluster.instances()
    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache)
    agent.beat()
    # When the preview is approved and the agent carries out what it is asked
    described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    # Then the execution succeeded, and each retired node was cordoned and drained before it was terminated
    assert described["status"] == "SUCCEEDED", described
    assert job["status"] == "succeeded"
    waves = job["progress"]["waves"]
    assert waves and all(w["stage"] == "terminated" for w in waves)
    retired = {t["instance_id"] for w in waves for t in w["terminated"] if not t.get("added")}
    launched = {x["instance_id"] for w in waves for x in w["launched"]}
    assert retired, "the plan retires at least one idle node"
    after = cluster.instances()
    assert {after[i]["State"]["Name"] for i in retired} <= {"shutting-down", "terminated"}
    assert all(after[i]["State"]["Name"] == "running" for i in launched)
    assert set(after) - set(before) == launched  # nothing else launched
    order = [(a["type"], a["params"]["node"]) for a in agent.seen]
    for w in waves:
        for node in w["retire"]:
            assert order.index(("cordon", node)) < order.index(("drain", node))
            for x in w["launched"]:  # every replacement of the wave was Ready before the drain
                assert order.index(("wait_node_ready", x["node"])) < order.index(("drain", node))
    # And the realized saving is recorded, with an activity line per move and the chain intact
    realized = job["progress"]["realized"]
    assert realized["saving_per_hour"] > 0
    assert realized["saving_per_month"] == round(realized["saving_per_hour"] * 730, 2)
    assert len(job["progress"]["activity"]) == realized["moves"]
    assert any(line.startswith(("Removed ", "Replaced ")) and "saves $" in line for line in job["progress"]["activity"])
    actions = [r.action for r in ledger(cluster, "execution.")]
    assert actions.count("execution.launched") == len(launched)
    assert actions[-1] == "execution.realized"
    assert client.get("/api/audit/verify", headers=cluster.tenant.headers).json()["ok"] is True


def test_approving_after_the_snapshot_changed_is_refused(stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    planned = preview(stack, client, cluster)
    changed = snapshot_of(cluster, "changed")
    changed["pods"][0]["cpu_m"] = 1000
    client.put(f"/api/clusters/{cluster.cluster_id}/snapshot", headers=cluster.tenant.headers, json=changed)
    refused = client.post(f"/api/clusters/{cluster.cluster_id}/jobs/{planned['job_id']}/approve",
                          headers=cluster.tenant.headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["field"] == "snapshot"


def test_a_replacement_never_ready_rolls_back_terminating_it_and_uncordoning(
        stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    planned = preview(stack, client, cluster)
    before = cluster.instances()

    def never_ready(action: dict[str, Any]) -> tuple[str, str]:
        if action["type"] == "wait_node_ready":
            return "failed", f"node {action['params']['node']} not Ready after 900 s"
        return "done", "ok"

    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache, never_ready)
    described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    assert described["status"] == "FAILED"
    assert job["status"] in ("failed", "compensated")
    wave = job["progress"]["waves"][0]
    assert wave["stage"] == "rolled_back"
    after = cluster.instances()
    assert all(after[i]["State"]["Name"] == "running" for i in before)  # nothing removed
    for x in wave["launched"]:  # the never-Ready replacements are gone, not orphaned
        assert after[x["instance_id"]]["State"]["Name"] in ("shutting-down", "terminated")
    agent.step()  # the agent takes the rollback's uncordons
    assert sorted(a["params"]["node"] for a in agent.seen if a["type"] == "uncordon") == sorted(wave["retire"])
    assert "execution.rolled_back" in [r.action for r in ledger(cluster, "execution.")]
    assert not [r for r in ledger(cluster, "execution.") if r.action in ("execution.replaced", "execution.removed")]


def test_a_drain_blocked_by_a_pdb_keeps_every_node_and_uncordons(
        stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    planned = preview(stack, client, cluster)
    before = cluster.instances()

    def pdb_blocks(action: dict[str, Any]) -> tuple[str, str]:
        if action["type"] == "drain":
            return "blocked", "PDB shop/web allowed no disruption until the 570 s deadline"
        return "done", "ok"

    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache, pdb_blocks)
    described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    assert described["status"] == "FAILED"
    assert "PDB shop/web" in job["progress"]["waits"]["drain:0"]["cause"]
    assert "PDB shop/web" in job["progress"]["waves"][0]["rollback"]["error"]
    after = cluster.instances()
    assert all(after[i]["State"]["Name"] == "running" for i in before)
    wave = job["progress"]["waves"][0]
    assert all(after[x["instance_id"]]["State"]["Name"] == "running" for x in wave["launched"])  # Ready: kept
    assert wave["rollback"]["replacements_kept"] == [x["node"] for x in wave["launched"]]
    agent.step()
    assert sorted(a["params"]["node"] for a in agent.seen if a["type"] == "uncordon") == sorted(wave["retire"])


def test_an_agent_vanishing_mid_drain_times_out_and_removes_nothing(
        stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    planned = preview(stack, client, cluster)
    before = cluster.instances()
    os.environ["SPOTHIVE_EXECUTION_DRAIN_TIMEOUT_SECONDS"] = "3"
    wiring.reset()
    wired().pin("risk_model", __import__("spothive.services.risk_heuristic", fromlist=["x"]).FallbackRiskModel(None))
    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache,
                        lambda a: None if a["type"] == "drain" else ("done", "ok"))
    try:
        described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    finally:
        os.environ["SPOTHIVE_EXECUTION_DRAIN_TIMEOUT_SECONDS"] = "900"
        wiring.reset()
        wired().pin("risk_model", __import__("spothive.services.risk_heuristic", fromlist=["x"]).FallbackRiskModel(None))
    assert described["status"] == "FAILED"
    assert "States.Timeout" in job["error"]
    after = cluster.instances()
    assert all(after[i]["State"]["Name"] == "running" for i in before)
    wave = job["progress"]["waves"][0]
    assert wave["rollback"]["withdrawn"] >= len(wave["retire"])  # the drains nobody took are withdrawn
    agent.step()
    assert sorted(a["params"]["node"] for a in agent.seen if a["type"] == "uncordon") == sorted(wave["retire"])


def test_a_launch_without_capacity_rolls_back_before_anything_is_drained(
        stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    planned = preview(stack, client, cluster)
    before = cluster.instances()
    ec2 = cluster.ec2()
    for t in ec2.describe_launch_templates()["LaunchTemplates"]:
        ec2.delete_launch_template(LaunchTemplateId=t["LaunchTemplateId"])
    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache)
    described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    assert described["status"] == "FAILED"
    assert cluster.instances().keys() == before.keys()
    assert all(i["State"]["Name"] == "running" for i in cluster.instances().values())
    assert not [a for a in agent.seen if a["type"] == "drain"]
    agent.step()
    wave = job["progress"]["waves"][0]
    assert sorted(a["params"]["node"] for a in agent.seen if a["type"] == "uncordon") == sorted(wave["retire"])


def test_safe_mode_on_the_cluster_makes_the_approved_job_a_dry_run(stack, client, cluster, cache, safe_mode_off) -> None:  # type: ignore[no-untyped-def]
    planned = preview(stack, client, cluster)
    put = client.put(f"/api/clusters/{cluster.cluster_id}/safe-mode", headers=cluster.tenant.headers,
                     json={"on": True, "reason": "change freeze"})
    assert put.status_code == 200 and put.json()["on"] is True and put.json()["levels"]["cluster"] is True
    before = cluster.instances()
    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache)
    described, _ = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["execution"]["mode"] == "dry_run"
    assert cluster.instances().keys() == before.keys() and agent.seen == []
    assert [r.action for r in ledger(cluster, "safe_mode.")] == ["safe_mode.set"]
