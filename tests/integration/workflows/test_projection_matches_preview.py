"""The projection a user sees is the preview that runs, to the cent.

Given a linked customer with a 12-node EKS cluster and its pods (the agent's snapshot format), the dashboard's
projection (``GET /api/metrics/projection``) and the preview of "Optimize Now" (the optimization state machine
on moto, dry run) report the same approved spend and the same counts, ``planned = approved + blocked +
skipped`` in both; when the preview's risk model blocks actions the heuristic would allow, the projection
shows the preview's blocks once it exists (and says it is an estimate before); after a policy change both
move together and the projection names the policy version it used.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from spothive import wiring
from spothive.contracts.risk_v1 import RiskInput, RiskOutput, recommended_action
from spothive.local.demo_customer import customer_session, seed_customer
from spothive.services.risk_heuristic import FallbackRiskModel, HeuristicRiskModel
from tests.integration.slice.helpers import Tenant, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration

#: Twelve nodes: lightly used On-Demand capacity the packer consolidates, and two Spot nodes it keeps.
NODES = (
    *(("m5.xlarge", "on-demand", z) for z in "abcabc"),
    *(("m5.2xlarge", "on-demand", z) for z in "ab"),
    *(("c5.2xlarge", "on-demand", z) for z in "ab"),
    *(("m6i.large", "spot", z) for z in "ab"),
)
#: Namespace of each node's pods, by node index (the order of ``NODES``); the others run ``shop``.
NAMESPACES = {0: "batch", 3: "batch", 8: "batch", 5: "data", 9: "data"}
#: Spot pools the preview's model finds high-risk: a kept node's replacement and the Spot nodes taking pods.
RISKY_TYPES = ("c5.2xlarge", "m6i.large")


@dataclass
class Cluster:
    tenant: Tenant
    cluster_id: str
    account: str
    region: str


class PoolBlockingModel:
    """A production model that disagrees with the heuristic: the named instance types score 0.45 (above the
    decision's 0.2 threshold), every other pool as the heuristic scores it."""

    version = "model:blocking-test"

    def __init__(self, risky_types: frozenset[str]) -> None:
        self.risky = risky_types
        self._heuristic = HeuristicRiskModel()

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        out = []
        for item, scored in zip(batch, self._heuristic.predict(batch), strict=True):
            if item.features.instance_type in self.risky:
                scored = scored.model_copy(update={"interruption_probability": 0.45,
                                                   "recommended_action": recommended_action(0.45),
                                                   "source": "model:blocking-test"})
            out.append(scored)
        return out


def pin_risk_model(model: Any) -> None:
    """Serve ``model`` at the workflow's risk step (its steps are built again to pick it up)."""
    wiring.reset()
    wired().pin("risk_model", model)


@pytest.fixture
def blocking() -> Iterator[Any]:
    """Pin a blocking model for the test's duration, then restore the package's heuristic."""
    yield lambda types: pin_risk_model(PoolBlockingModel(frozenset(types)))
    pin_risk_model(FallbackRiskModel(None))


def _name(instance: dict[str, Any]) -> str:
    return next(t["Value"] for t in instance.get("Tags", []) if t["Key"] == "Name")  # {cluster}-node-NN


def snapshot_of(c: Cluster) -> dict[str, Any]:
    ec2 = customer_session(c.account).client("ec2", region_name=c.region)
    running = sorted((i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
                      if i["State"]["Name"] == "running"), key=lambda i: _name(i))
    nodes, pods = [], []
    for n, inst in enumerate(running):
        node = inst["PrivateDnsName"]
        spot = inst.get("InstanceLifecycle") == "spot"
        nodes.append({"name": node, "instance_type": inst["InstanceType"],
                      "capacity_type": "spot" if spot else "on-demand",
                      "zone": inst["Placement"]["AvailabilityZone"], "taints": [],
                      "labels": {"spothive.io/instance-id": inst["InstanceId"],
                                 "eks.amazonaws.com/nodegroup": "general", "kubernetes.io/arch": "amd64"}})
        namespace = NAMESPACES.get(n, "shop")
        for p in range(3):
            pods.append({"namespace": namespace, "name": f"{namespace}-{n}-{p}", "node": node, "cpu_m": 400,
                         "memory_mib": 1024, "gpu": 0, "owner": f"{namespace}-{n}", "node_selector": {},
                         "do_not_disrupt": False})
    return {"cluster": "proj", "region": c.region, "nodes": nodes, "pods": pods, "pdbs": []}


@pytest.fixture
def cluster(stack, client) -> Cluster:  # type: ignore[no-untyped-def]
    account = str(uuid.uuid4().int)[:12].rjust(12, "3")
    customer = seed_customer(account, cluster_name=f"p-{uuid.uuid4().hex[:6]}", nodes=NODES, extra_standalone=0)
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": customer.role_arn})
    assert verified.status_code == 200, verified.text
    cluster_id = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"][0]["cluster_id"]
    found = Cluster(tenant, cluster_id, account, customer.region)
    put = client.put(f"/api/clusters/{cluster_id}/snapshot", headers=tenant.headers, json=snapshot_of(found))
    assert put.status_code == 200, put.text
    return found


def projection(client, c: Cluster) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/metrics/projection?cluster_id={c.cluster_id}", headers=c.tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def preview(stack, client, c: Cluster) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    started = client.post(f"/api/clusters/{c.cluster_id}/optimize", headers=c.tenant.headers, json={})
    assert started.status_code == 202, started.text
    described = stack.wait_execution(started.json()["execution_arn"])
    assert described["status"] == "SUCCEEDED", described
    job: dict[str, Any] = client.get(f"/api/clusters/{c.cluster_id}/jobs/{started.json()['job_id']}",
                                     headers=c.tenant.headers).json()
    assert job["dry_run"] is True
    return job


def brief(actions: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((a["type"], a["target"]) for a in actions)


FIGURES = ("unoptimized", "optimized", "monthly_savings")
COUNTS = ("planned", "approved", "blocked", "skipped")


def figures(chart: dict[str, Any]) -> dict[str, Any]:
    """The projection's spend and counts under the preview outcome's names."""
    return {"monthly_before": chart["unoptimized"], "monthly_after": chart["optimized"],
            "monthly_savings": chart["monthly_savings"], **{k: chart[k] for k in COUNTS}}


def outcome(job: dict[str, Any]) -> dict[str, Any]:
    """The preview's approved spend and counts."""
    o: dict[str, Any] = job["decisions"]["outcome"]
    return {k: o[k] for k in ("monthly_before", "monthly_after", "monthly_savings", *COUNTS)}


def exclude(client, c: Cluster, namespaces: list[str], expected_version: int) -> None:  # type: ignore[no-untyped-def]
    changed = client.patch("/api/policies/exclusions", headers=c.tenant.headers, json={
        "cluster_id": c.cluster_id, "expected_version": expected_version, "namespaces": namespaces})
    assert changed.status_code == 200, changed.text


def assert_agree(chart: dict[str, Any], job: dict[str, Any]) -> None:
    """Same approved spend to the cent, same counts, the same approved and blocked actions."""
    assert figures(chart) == outcome(job)
    assert chart["planned"] == chart["approved"] + chart["blocked"] + chart["skipped"]
    o = job["decisions"]["outcome"]
    assert o["planned"] == o["approved"] + o["blocked"] + o["skipped"]
    assert brief(chart["approved_actions"]) == brief(job["decisions"]["approved_actions"])
    assert brief(chart["blocked_actions"]) == brief(job["decisions"]["blocked_actions"])
    assert (chart["source"], chart["preview_job_id"]) == ("preview", job["job_id"])
    assert chart["policy_version"] == o["policy_version"]


def test_with_the_same_risk_answers_the_projection_is_the_preview_to_the_cent(stack, client, cluster):  # type: ignore[no-untyped-def]
    # Given a 12-node cluster and its pods, and no preview yet: the projection runs the pipeline now
    estimate = projection(client, cluster)
    assert (estimate["basis"], estimate["source"], estimate["policy_version"]) == ("planner", "estimate", 0)
    assert estimate["optimized"] < estimate["unoptimized"]
    # When the preview runs the state machine on the same risk model (the package's heuristic)
    job = preview(stack, client, cluster)
    # Then the estimate made before it already agreed to the cent, and the projection now names the preview
    assert figures(estimate) == outcome(job)
    assert brief(estimate["approved_actions"]) == brief(job["decisions"]["approved_actions"])
    assert_agree(projection(client, cluster), job)
    # And the approved actions the preview counts are the ones the projection lists
    assert len(projection(client, cluster)["approved_actions"]) == job["decisions"]["approved"]


def test_blocks_by_the_preview_model_show_in_the_projection_and_follow_a_policy_change(  # type: ignore[no-untyped-def]
        stack, client, cluster, blocking):
    # Given batch pods are excluded (policy version 1): their nodes stay, and are not offered Spot either (a
    # replacement would drain them): each such replacement is skipped, saying why
    exclude(client, cluster, ["batch"], 0)
    estimate = projection(client, cluster)
    assert (estimate["source"], estimate["policy_version"]) == ("estimate", 1)
    pinned = {a["target"] for a in estimate["skipped_actions"]
              if a["type"] == "replace_with_spot" and "pods that never move" in a["reason"]}
    assert pinned, estimate["skipped_actions"]
    replaced = {a["target"] for a in estimate["approved_actions"] if a["type"] == "replace_with_spot"}
    assert not replaced & pinned
    # and a production model that scores the c5.2xlarge and m6i.large Spot pools at 45% (the heuristic: 10-20%)
    blocking(RISKY_TYPES)
    # When the preview runs
    job = preview(stack, client, cluster)
    # Then it blocks what lands in those pools and approves the rest, and the projection shows exactly that
    o = job["decisions"]["outcome"]
    assert o["blocked"] >= 1 and o["approved"] >= 1
    assert o["planned"] == estimate["planned"]  # the same plan; only the risk answers differ
    chart = projection(client, cluster)
    assert_agree(chart, job)
    assert chart["risk_model"] == "model:blocking-test"
    # and never more than the approved set: the estimate, made before the risk check, promised more
    assert chart["monthly_savings"] < estimate["monthly_savings"]
    assert chart["blocked"] == o["blocked"] and estimate["blocked"] == 0

    # When data pods are excluded too (policy version 2)
    exclude(client, cluster, ["batch", "data"], 1)
    # Then the projection no longer reuses the preview made under version 1, and says so
    moved = projection(client, cluster)
    assert (moved["source"], moved["policy_version"], moved["preview_job_id"]) == ("estimate", 2, None)
    # And once previewed again, both changed the same way
    again = preview(stack, client, cluster)
    assert again["decisions"]["outcome"]["policy_version"] == 2
    after = projection(client, cluster)
    assert_agree(after, again)
    assert outcome(again) != outcome(job)
    assert after["planned"] == moved["planned"]
