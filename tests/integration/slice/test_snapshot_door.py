"""A snapshot is checked at the door: each broken one is a 422 naming the field, nothing is stored, and the
dashboard keeps answering (before, each of these was accepted and turned KPIs and projections into 500s)."""

from __future__ import annotations

import copy

import pytest

from tests.integration.slice.helpers import api
from tests.integration.slice.test_metrics_agent import _linked_tenant

pytestmark = pytest.mark.integration

GOOD = {
    "cluster": "small", "region": "us-east-1",
    "nodes": [{"name": "n1", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a"},
              {"name": "n2", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1b"}],
    "pods": [{"namespace": "web", "name": f"api-{i}", "node": "n1", "cpu_m": 250, "memory_mib": 512} for i in range(3)],
    "pdbs": [],
}


def _broken(change) -> dict:  # type: ignore[no-untyped-def]
    snapshot = copy.deepcopy(GOOD)
    change(snapshot)
    return snapshot


CASES = [
    ("policy.aggressiveness", lambda s: s.update(policy={"aggressiveness": "abc"})),
    ("policy.aggressiveness", lambda s: s.update(policy={"aggressiveness": 1000})),
    ("policy.pool_risk", lambda s: s.update(policy={"pool_risk": [1]})),
    ("nodes.1.instance_type", lambda s: s["nodes"][1].update(instance_type="zz9.huge")),
    ("pods.2.node", lambda s: s["pods"][2].update(node="ghost")),
    ("nodes.1.name", lambda s: s["nodes"][1].update(name="n1")),
    ("pods.1.name", lambda s: s["pods"][1].update(name="api-0")),
    ("pods", lambda s: s.update(pods=[{"name": f"p{i}", "cpu_m": 1, "memory_mib": 1} for i in range(100_001)])),
]


@pytest.mark.parametrize(("field", "change"), CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_a_broken_snapshot_is_422_naming_the_field_and_stores_nothing(hub: dict[str, str], field, change) -> None:
    # Given a linked cluster with a good snapshot stored
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    url = f"/api/clusters/{cluster_id}/snapshot"
    assert client.put(url, headers=tenant.headers, json=GOOD).status_code == 200
    before = client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers).json()
    # When a broken snapshot is uploaded
    response = client.put(url, headers=tenant.headers, json=_broken(change))
    # Then it is refused naming the field
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    # And the stored snapshot and the dashboard are unchanged
    after = client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers)
    assert after.status_code == 200
    assert after.json() == before
    assert client.get("/api/metrics/kpi", headers=tenant.headers).status_code == 200


def test_a_snapshot_cannot_buy_itself_a_longer_solver_budget(hub: dict[str, str]) -> None:
    # Given a snapshot that asks for a 60 s MILP budget, Then it is stored but the budget is the server's
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    snapshot = {**GOOD, "policy": {"solver": {"time_limit_s": 60, "milp_max_pods": 1_000_000}}}
    assert client.put(f"/api/clusters/{cluster_id}/snapshot", headers=tenant.headers, json=snapshot).status_code == 200
    chart = client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers)
    assert chart.status_code == 200
    assert chart.json()["basis"] == "planner"
