"""The platform owner's client list over moto: the by_listing index, cursors, filters, agents, spend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from spothive.domain.inventory import DiscoveredInstance
from spothive.wiring import agents, inventory
from tests.integration.slice.helpers import Tenant, api, signup
from tests.integration.slice.test_impersonation import _admin

pytestmark = pytest.mark.integration


def _clients(client: TestClient, headers: dict[str, str], **params: Any) -> Any:
    return client.get("/api/admin/clients", headers=headers, params=params)


def _everything(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page, following next_cursor."""
    out: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        body = _clients(client, headers, **params, **({"cursor": cursor} if cursor else {})).json()
        out += body["clients"]
        cursor = body["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("the cursor never ended")


@pytest.fixture
def world(hub: dict[str, str]) -> dict[str, Any]:
    client = api()
    tag = uuid.uuid4().hex[:6]
    tenants = [signup(client, org_name=f"Zeta-{tag}-{n}") for n in ("c", "a", "b")]
    return {"client": client, "admin": _admin(client), "tag": tag, "tenants": tenants}


def test_clients_are_listed_by_name_with_a_cursor_and_no_platform_org(world: dict[str, Any]) -> None:
    client, admin, tag = world["client"], world["admin"], world["tag"]
    # Given three clients named Zeta-<tag>-c, -a, -b; When the admin pages through them two at a time
    first = _clients(client, admin, name=f"zeta-{tag}", limit=2)
    assert first.status_code == 200, first.text
    body = first.json()
    assert [c["name"] for c in body["clients"]] == [f"Zeta-{tag}-a", f"Zeta-{tag}-b"]
    second = _clients(client, admin, name=f"ZETA-{tag}", limit=2, cursor=body["next_cursor"]).json()
    # Then the second page holds the third, and the list ends
    assert [c["name"] for c in second["clients"]] == [f"Zeta-{tag}-c"]
    assert second["next_cursor"] is None
    # And a new client starts pending, with its placeholder account and no agents or spend
    only = body["clients"][0]
    assert only["status"] == "pending" and len(only["accounts"]) == 1 and only["clusters"] == []
    assert only["monthly_spend"] == 0 and only["realized_monthly_savings"] == 0
    # And the platform owners' org is never a client
    assert all(c["client_id"] != "platform" for c in _everything(client, admin))


def test_a_client_with_spot_instances_and_an_agent(world: dict[str, Any]) -> None:
    client, admin, tag = world["client"], world["admin"], world["tag"]
    tenant: Tenant = world["tenants"][0]
    # Given the client has a discovered cluster with one On-Demand and one Spot node, and its agent beats
    now = datetime.now(UTC)
    repo = inventory.repo()
    nodes = [DiscoveredInstance(tenant.account_id, "us-east-1", f"i-{n}{uuid.uuid4().hex[:8]}", "m5.xlarge",
                                "us-east-1a", lifecycle, "running", now, "prod") for n, lifecycle in
             (("o", "on-demand"), ("s", "spot"))]
    repo.upsert_instances(tenant.org_id, nodes, now)
    _cluster(repo, tenant, now)
    cluster_id = repo.list_clusters(tenant.org_id)[0].cluster_id
    agents.heartbeats().beat(tenant.org_id, cluster_id, now)
    # When the admin lists it
    found = _clients(client, admin, name=f"zeta-{tag}-c").json()["clients"]
    # Then its agent is online, and spend and realized savings come from the catalog's prices
    assert len(found) == 1
    row = found[0]
    assert row["clusters"][0]["status"] == "online" and row["agents_online"] == 1
    assert row["running_instances"] == 2
    assert row["monthly_spend"] > row["realized_monthly_savings"] > 0


def _cluster(repo: Any, tenant: Tenant, now: datetime) -> None:
    from spothive.domain.inventory import DiscoveredCluster

    cluster = DiscoveredCluster(tenant.account_id, "us-east-1", "prod", "arn:aws:eks:us-east-1:1:cluster/prod",
                                "1.30", "ACTIVE", ("ng-1",))
    repo.upsert_clusters(tenant.org_id, [cluster], {cluster.cluster_id: 2}, now)


def test_status_filter_and_access(world: dict[str, Any]) -> None:
    client, admin, tag = world["client"], world["admin"], world["tag"]
    # no client here is active yet
    assert _everything(client, admin, name=f"zeta-{tag}", status="active") == []
    assert len(_everything(client, admin, name=f"zeta-{tag}", status="pending")) == 3
    # a client user is forbidden; no token is unauthorized
    assert _clients(client, world["tenants"][0].headers).status_code == 403
    assert client.get("/api/admin/clients").status_code == 401


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"status": "sleeping"}, "status"),
    ({"cursor": "not-a-cursor"}, "cursor"), ({"name": "x" * 101}, "name"),
])
def test_bad_parameters_name_the_field(world: dict[str, Any], params: dict[str, Any], field: str) -> None:
    response = _clients(world["client"], world["admin"], **params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_a_cursor_of_another_name_filter_is_refused(world: dict[str, Any]) -> None:
    client, admin, tag = world["client"], world["admin"], world["tag"]
    cursor = _clients(client, admin, name=f"zeta-{tag}", limit=1).json()["next_cursor"]
    response = _clients(client, admin, name="acme", cursor=cursor)
    assert response.status_code == 422 and response.json()["error"]["field"] == "cursor"
