"""Dashboard KPIs, projections and the agent link, on a small priced customer."""

from __future__ import annotations

import hashlib

import boto3
import pytest

from spothive.local.demo_customer import seed_customer
from tests.integration.slice.helpers import Tenant, api, signup
from tests.integration.slice.test_connect_discovery import _aws_account, _link_and_verify
from tests.support.wired import wired

pytestmark = pytest.mark.integration

SMALL = (("m5.xlarge", "on-demand", "a"), ("m5.xlarge", "on-demand", "b"), ("c6g.xlarge", "spot", "a"))


def _linked_tenant(client) -> tuple[Tenant, str]:  # type: ignore[no-untyped-def]
    customer = seed_customer(_aws_account(), cluster_name="small", nodes=SMALL, extra_standalone=1)
    tenant = signup(client)
    _link_and_verify(client, tenant, customer.role_arn)
    cluster_id = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"][0]["cluster_id"]
    return tenant, cluster_id


def test_kpi_sums_hourly_prices_times_730(hub: dict[str, str]) -> None:
    # Given 2 m5.xlarge On-Demand ($0.192/h), 1 c6g.xlarge Spot in us-east-1a ($0.0591/h) and a t3.medium ($0.0416/h)
    client = api()
    tenant, _ = _linked_tenant(client)
    kpi = client.get("/api/metrics/kpi", headers=tenant.headers).json()
    # Then spend is (0.384 + 0.0591 + 0.0416) x 730
    assert kpi["monthly_spend"] == 353.83
    # And moving both m5.xlarge to Spot in us-east-1c ($0.0745/h) projects (0.149 + 0.0591 + 0.0416) x 730
    assert kpi["projected_monthly_spend"] == 182.28
    assert kpi["monthly_savings"] == 171.55
    assert (kpi["running_instances"], kpi["spot_instances"], kpi["clusters"]) == (4, 1, 1)


def test_projection_without_pods_is_spot_only_with_reasons(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    chart = client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers).json()
    assert chart["basis"] == "spot-only"
    assert chart["unoptimized"] == 323.46
    assert chart["optimized"] == 151.91
    assert len(chart["actions"]) == 2
    assert all("us-east-1c" in a["reason"] for a in chart["actions"])


def test_projection_with_a_snapshot_uses_the_planner(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    snapshot = {
        "cluster": "small", "region": "us-east-1",
        "nodes": [
            {"name": "n1", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a",
             "labels": {"kubernetes.io/arch": "amd64"}, "taints": []},
            {"name": "n2", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1b",
             "labels": {"kubernetes.io/arch": "amd64"}, "taints": []},
        ],
        "pods": [
            {"namespace": "web", "name": f"api-{i}", "node": "n1" if i < 2 else "n2", "cpu_m": 250,
             "memory_mib": 512, "gpu": 0, "owner": "api", "node_selector": {}, "do_not_disrupt": False}
            for i in range(4)
        ],
        "pdbs": [],
    }
    bad = client.put(f"/api/clusters/{cluster_id}/snapshot", headers=tenant.headers, json={**snapshot, "nodes": "x"})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "nodes"
    assert client.put(f"/api/clusters/{cluster_id}/snapshot", headers=tenant.headers, json=snapshot).status_code == 200
    chart = client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers).json()
    assert chart["basis"] == "planner"
    assert chart["unoptimized"] == round(2 * 0.192 * 730, 2)
    assert chart["optimized"] < chart["unoptimized"] / 2  # 1 CPU of pods fits one small node
    assert chart["optimality_gap"] is not None


def test_connect_issues_a_token_stored_only_as_its_hash(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    body = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()
    token = body["token"]
    assert token.startswith("sh_agent_")
    command = body["helm_command"]
    assert f"cluster.id={cluster_id}" in command
    assert "helm upgrade --install spothive-agent oci://public.ecr.aws/spothive/charts/spothive-agent" in command
    # the token goes into a Secret read from the terminal, never onto a command line or into Helm values
    assert token not in command and "api.token" not in command
    assert "api.existingSecret=spothive-agent-token" in command
    assert "create secret generic spothive-agent-token --from-file=token=/dev/stdin" in command
    item = boto3.resource("dynamodb", region_name="us-east-1").Table("it-clusters").get_item(
        Key={"org_id": tenant.org_id, "cluster_id": cluster_id})["Item"]
    assert item["agent_token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(item)
    # a rescan keeps the token
    wired().discovery.scan_one(tenant.org_id, tenant.account_id)
    assert client.post("/api/agent/heartbeat", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_verify_is_red_until_the_agent_beats_then_green(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    before = client.get(f"/api/clusters/{cluster_id}/verify", headers=tenant.headers).json()
    assert (before["status"], before["last_seen"]) == ("red", None)
    assert client.post("/api/agent/heartbeat", headers={"Authorization": "Bearer sh_agent_wrong"}).status_code == 401
    assert client.post("/api/agent/heartbeat").status_code == 401
    beat = client.post("/api/agent/heartbeat", headers={"Authorization": f"Bearer {token}"}).json()
    assert beat["cluster_id"] == cluster_id
    after = client.get(f"/api/clusters/{cluster_id}/verify", headers=tenant.headers).json()
    assert after["status"] == "green"
    assert 0 <= after["seconds_since"] < 60


def test_other_tenants_get_404_and_no_token_gets_401(hub: dict[str, str]) -> None:
    client = api()
    _, cluster_id = _linked_tenant(client)
    other = signup(client)
    assert client.post("/api/clusters/connect", headers=other.headers, json={"cluster_id": cluster_id}).status_code == 404
    assert client.get(f"/api/clusters/{cluster_id}/verify", headers=other.headers).status_code == 404
    assert client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=other.headers).status_code == 404
    assert client.put(f"/api/clusters/{cluster_id}/snapshot", headers=other.headers,
                      json={"cluster": "x", "nodes": [], "pods": []}).status_code == 404
    assert client.get("/api/metrics/kpi").status_code == 401
    assert client.get("/api/metrics/projection", headers=other.headers).status_code == 422
    assert client.post("/api/clusters/connect", headers=other.headers, json={}).json()["error"]["field"] == "cluster_id"


def test_issuing_a_token_and_uploading_a_snapshot_are_audited(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    snapshot = {"cluster": "small", "region": "us-east-1", "nodes": [], "pods": [], "pdbs": []}
    assert client.put("/api/agent/snapshot", headers={"Authorization": f"Bearer {token}"}, json=snapshot).status_code == 200
    records = list(wired().ledger.records(tenant.org_id))
    issued = [r for r in records if r.action == "cluster.agent_token_issued"]
    assert len(issued) == 1
    assert issued[0].resource_id == cluster_id
    assert issued[0].actor.startswith("user:")
    assert issued[0].after == {"token_sha256_prefix": hashlib.sha256(token.encode()).hexdigest()[:8]}
    saved = [r for r in records if r.action == "cluster.snapshot_saved"]
    assert [(r.actor, r.after) for r in saved] == [("system:agent", {"nodes": 0, "pods": 0, "pdbs": 0})]


def test_connect_for_a_missing_cluster_writes_nothing(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    before = wired().ledger.head(tenant.org_id)
    response = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": "c-0000000000000000"})
    assert response.status_code == 404
    assert wired().ledger.head(tenant.org_id) == before


def test_cost_by_namespace_shares_the_snapshots_nodes_and_is_none_before_one(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id = _linked_tenant(client)
    url = f"/api/metrics/cost-by-namespace?cluster_id={cluster_id}"
    before = client.get(url, headers=tenant.headers).json()
    assert (before["basis"], before["namespaces"], before["total_monthly"]) == ("none", [], 0.0)
    snapshot = {
        "cluster": "small", "region": "us-east-1",
        "nodes": [{"name": "n1", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a",
                   "labels": {}, "taints": []}],
        "pods": [{"namespace": "web", "name": "a", "node": "n1", "cpu_m": 1960, "memory_mib": 0},
                 {"namespace": "data", "name": "b", "node": "n1", "cpu_m": 0, "memory_mib": 7081}],
        "pdbs": [],
    }
    assert client.put(f"/api/clusters/{cluster_id}/snapshot", headers=tenant.headers, json=snapshot).status_code == 200
    got = client.get(url, headers=tenant.headers).json()
    # m5.xlarge $0.192/h, allocatable 3920 m / 14162 MiB: web asks half the CPU and pays half the CPU part
    # (69.48 % of the price), data asks half the memory and pays half the memory part
    assert got["basis"] == "snapshot" and got["total_monthly"] == 140.16
    assert [(n["namespace"], n["monthly"], n["share"]) for n in got["namespaces"]] == [
        ("web", 48.69, 0.3474), ("data", 21.39, 0.1526)]
    assert got["idle_monthly"] == 70.08
    other = signup(client)
    assert client.get(url, headers=other.headers).status_code == 404
    missing = client.get("/api/metrics/cost-by-namespace", headers=tenant.headers)
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "cluster_id"
