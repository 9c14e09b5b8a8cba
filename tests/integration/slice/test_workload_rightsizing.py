"""Workload right-sizing end to end: usage samples through the agent's route accumulate in Redis, and
``/api/clusters/{id}/rightsizing`` and the projection re-pack the cluster with the recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spothive.adapters.cache.usage_histories import TTL_SECONDS, history_key
from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.packing.model import snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.rightsizing import apply_recommendations
from spothive.domain.rightsizing_history import pod_recommendations, recommend_workload
from spothive.wiring import configuration, kernel, pricing, workload_sizing
from tests.integration.slice.helpers import api, signup
from tests.integration.slice.test_agent_channel import _agent

pytestmark = pytest.mark.integration

NODE = {"instance_type": "m5.xlarge", "capacity_type": "on-demand", "labels": {"kubernetes.io/arch": "amd64"},
        "taints": []}
CHECKOUT = [f"checkout-7d9f8b6c5-{s}" for s in ("x2x9k", "b4n5m", "q7w8z", "t5v6c", "h2j4k", "m9n8p")]


def _snapshot() -> dict[str, Any]:
    """Three m5.xlarge nodes; six checkout pods request 2000m / 1 GiB each, one fresh pod 500m."""
    pods = [{"namespace": "shop", "name": name, "node": f"n{i // 2}", "cpu_m": 2000, "memory_mib": 1024, "gpu": 0,
             "owner": "checkout", "node_selector": {}, "do_not_disrupt": False} for i, name in enumerate(CHECKOUT)]
    pods.append({"namespace": "shop", "name": "fresh-0", "node": "n2", "cpu_m": 500, "memory_mib": 256, "gpu": 0,
                 "owner": "fresh", "node_selector": {}, "do_not_disrupt": False})
    return {"cluster": "small", "region": "us-east-1", "pdbs": [], "pods": pods,
            "nodes": [{**NODE, "name": f"n{i}", "zone": f"us-east-1{'ab'[i % 2]}"} for i in range(3)]}


def _usage(cluster_id: str, at: datetime, pods: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cluster_id": cluster_id, "collected_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "source": "metrics-server",
            "nodes": [{"name": "n0", "cpu_m": 900, "memory_mib": 3000}], "pods": pods}


@pytest.fixture(scope="module")
def sized(hub: dict[str, str]) -> dict[str, Any]:
    """A cluster whose agent reported 30 hourly samples of checkout (~300m) and 3 minutes of a fresh workload."""
    client = api()
    tenant, cluster_id, headers = _agent(client)
    assert client.put("/api/agent/snapshot", headers=headers, json=_snapshot()).status_code == 200
    now = datetime.now(UTC).replace(microsecond=0)
    for h in range(30):
        pods = [{"namespace": "shop", "name": name, "cpu_m": 290 + (h + i) % 3 * 10, "memory_mib": 400}
                for i, name in enumerate(CHECKOUT)]
        if h >= 27:  # the fresh workload: its owner reported by the agent, samples a few minutes old
            pods.append({"namespace": "shop", "name": "fresh-0", "cpu_m": 450, "memory_mib": 200, "owner": "fresh"})
        at = now - timedelta(hours=29 - h) if h < 27 else now - timedelta(minutes=30 - h)
        sent = client.post("/api/agent/usage", headers=headers, json=_usage(cluster_id, at, pods))
        assert sent.status_code == 202, sent.text
    return {"client": client, "tenant": tenant, "cluster_id": cluster_id}


def test_samples_through_the_agent_route_accumulate_per_workload(sized: dict[str, Any]) -> None:
    tenant, cluster_id = sized["tenant"], sized["cluster_id"]
    # Then one Redis hash holds both workloads, with every pod's sample counted, and it expires after the window
    histories = workload_sizing.usage_histories().all(tenant.org_id, cluster_id)
    assert sorted(histories) == ["shop/checkout", "shop/fresh"]
    assert (histories["shop/checkout"].samples, histories["shop/fresh"].samples) == (180, 3)
    assert 14 * 86400 < kernel.cache().ttl(history_key(tenant.org_id, cluster_id)) <= TTL_SECONDS


def test_a_workload_using_300m_of_2000m_is_recommended_about_300m_and_a_new_one_is_not_confident(
        sized: dict[str, Any]) -> None:
    client, tenant, cluster_id = sized["client"], sized["tenant"], sized["cluster_id"]
    body = client.get(f"/api/clusters/{cluster_id}/rightsizing", headers=tenant.headers)
    assert body.status_code == 200, body.text
    found = {f"{w['namespace']}/{w['owner']}": w for w in body.json()["workloads"]}
    checkout, fresh = found["shop/checkout"], found["shop/fresh"]
    assert checkout["current"] == {"cpu_m": 2000, "memory_mib": 1024} and checkout["pods"] == 6
    # p90 of 290-310m read as its bucket's upper edge (at most 5 % + one first bucket above), plus the 15 % margin
    assert 310 * 1.15 <= checkout["recommended"]["cpu_m"] <= (310 * 1.05 + 10) * 1.15 + 1
    assert 400 * 1.15 <= checkout["recommended"]["memory_mib"] <= (400 * 1.05 + 10) * 1.15 + 1
    # 29 hours less a minute: the last samples are a few minutes old
    assert checkout["confident"] is True and 28.9 < checkout["history_hours"] < 29.0
    assert checkout["confidence"] == pytest.approx(checkout["history_hours"] / (14 * 24), abs=1e-4)
    assert fresh["confident"] is False and fresh["samples"] == 3 and fresh["current"]["cpu_m"] == 500


def test_the_saving_is_the_difference_of_the_plans_with_and_without_the_recommendations(
        sized: dict[str, Any]) -> None:
    client, tenant, cluster_id = sized["client"], sized["tenant"], sized["cluster_id"]
    repacked = client.get(f"/api/clusters/{cluster_id}/rightsizing", headers=tenant.headers).json()["repacked"]
    # Given the same catalog, policy and planner as the projection, run here directly
    raw = _snapshot()
    snapshot = snapshot_from_dict(raw)
    catalog = pricing.catalogs().catalog("us-east-1")
    policy = configuration.cluster_policies().for_cluster(tenant.org_id, cluster_id, raw)
    recs = {k: recommend_workload(k, h)
            for k, h in workload_sizing.usage_histories().all(tenant.org_id, cluster_id).items()}
    resized = apply_recommendations(snapshot, pod_recommendations(((p.namespace, p.name, p.owner)
                                                                   for p in snapshot.pods), recs))
    without = plan_consolidation(snapshot, catalog, policy, solver=HighsSolver())
    with_rs = plan_consolidation(resized, catalog, policy, solver=HighsSolver())
    # Then the endpoint's figures are those two plans, and the 6 x 2000m that shrink free whole nodes
    assert repacked["without"] == round(without.cost_after_per_hour * 730, 2)
    assert repacked["optimized"] == round(with_rs.cost_after_per_hour * 730, 2)
    assert repacked["saving"] == round((without.cost_after_per_hour - with_rs.cost_after_per_hour) * 730, 2)
    assert repacked["saving"] > 0
    # And the fresh workload (not confident) kept its request in the re-packed cluster
    assert next(p for p in resized.pods if p.name == "fresh-0").cpu_m == 500
    # And the projection shows the same packing with and without
    chart = client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers).json()
    assert chart["with_rightsizing"] == repacked


def test_pages_follow_the_cursor(sized: dict[str, Any]) -> None:
    client, tenant, cluster_id = sized["client"], sized["tenant"], sized["cluster_id"]
    first = client.get(f"/api/clusters/{cluster_id}/rightsizing?limit=1", headers=tenant.headers).json()
    assert [w["owner"] for w in first["workloads"]] == ["checkout"]
    assert (first["total"], first["next_cursor"]) == (2, "shop/checkout")
    second = client.get(f"/api/clusters/{cluster_id}/rightsizing", headers=tenant.headers,
                        params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [w["owner"] for w in second["workloads"]] == ["fresh"] and second["next_cursor"] is None


def test_another_tenants_cluster_is_404_and_a_bad_query_is_422_naming_the_field(sized: dict[str, Any]) -> None:
    client, tenant, cluster_id = sized["client"], sized["tenant"], sized["cluster_id"]
    other = signup(client)
    stolen = client.get(f"/api/clusters/{cluster_id}/rightsizing", headers=other.headers)
    assert (stolen.status_code, stolen.json()["error"]["code"]) == (404, "not_found")
    for query, field in (("limit=0", "limit"), ("limit=many", "limit"), (f"cursor={'x' * 400}", "cursor")):
        bad = client.get(f"/api/clusters/{cluster_id}/rightsizing?{query}", headers=tenant.headers)
        assert (bad.status_code, bad.json()["error"]["field"]) == (422, field), query


def test_a_cluster_without_a_snapshot_lists_recommendations_without_a_re_pack(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id, headers = _agent(client)
    at = datetime.now(UTC)
    pods = [{"namespace": "web", "name": "api-0", "cpu_m": 100, "memory_mib": 100}]
    assert client.post("/api/agent/usage", headers=headers, json=_usage(cluster_id, at, pods)).status_code == 202
    body = client.get(f"/api/clusters/{cluster_id}/rightsizing", headers=tenant.headers).json()
    assert body["repacked"] is None
    assert [(w["owner"], w["current"], w["confident"]) for w in body["workloads"]] == [("api", None, False)]
