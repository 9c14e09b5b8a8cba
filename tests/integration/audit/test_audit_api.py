"""``GET /api/audit``, ``/api/audit/{id}`` and ``/api/audit/{id}/diff``: filters, paging, errors, tenancy."""

from __future__ import annotations

import pytest

from spothive.domain.audit import AuditEntry
from tests.integration.audit.support import expired_token, seed
from tests.integration.slice.helpers import Tenant, api, signup

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ledger(hub: dict[str, str]) -> tuple[Tenant, Tenant]:
    """Acme with 6 records (sign-up + 5 seeded), Globex with 4 (sign-up + 3)."""
    client = api()
    acme, globex = signup(client, "Acme"), signup(client, "Globex")
    seed(acme.org_id, [
        AuditEntry("user:u1", "policy.update", "policy", "c-1", before={"max_nodes": 10, "spot": True},
                   after={"max_nodes": 15, "spot": True}),
        AuditEntry("system:discovery", "account.scan", "account", acme.account_id, after={"status": "active"}),
        AuditEntry("user:u1", "template.set_default", "template", "tmpl-1"),
        AuditEntry("system:discovery", "account.scan", "account", acme.account_id, after={"status": "active"}),
        AuditEntry("user:u2", "policy.update", "policy", "c-2", before={"max_nodes": 3}, after={"max_nodes": 4}),
    ])
    seed(globex.org_id, [AuditEntry("user:g1", "policy.update", "policy", "g-1")] * 3)
    return acme, globex


def test_list_is_newest_first_and_pages_with_the_cursor(ledger: tuple[Tenant, Tenant]) -> None:
    acme, _ = ledger
    client = api()
    # When the first page of 4 and then the rest are fetched
    first = client.get("/api/audit", headers=acme.headers, params={"limit": 4}).json()
    rest = client.get("/api/audit", headers=acme.headers, params={"limit": 4, "cursor": first["next_cursor"]}).json()
    # Then the pages are 6..3 and 2..1, the last without a cursor
    assert [r["id"] for r in first["logs"]] == [6, 5, 4, 3]
    assert first["next_cursor"] == "3"
    assert [r["id"] for r in rest["logs"]] == [2, 1]
    assert rest["next_cursor"] is None
    assert rest["logs"][1]["action"] == "auth.signup"
    assert first["logs"][0]["actor_type"] == "user"
    assert len(first["logs"][0]["hash"]) == 64


@pytest.mark.parametrize(
    ("params", "ids"),
    [
        ({"actor": "system:discovery"}, [5, 3]),
        ({"action": "policy.update"}, [6, 2]),
        ({"resource_type": "template"}, [4]),
        ({"resource_id": "c-2", "action": "policy.update"}, [6]),
        ({"actor": "user:nobody"}, []),
        ({"from": "2000-01-01T00:00:00Z", "to": "2000-01-02T00:00:00Z"}, []),
    ],
)
def test_filters(ledger: tuple[Tenant, Tenant], params: dict[str, str], ids: list[int]) -> None:
    acme, _ = ledger
    body = api().get("/api/audit", headers=acme.headers, params=params).json()
    assert [r["id"] for r in body["logs"]] == ids


def test_time_window_selects_by_timestamp(ledger: tuple[Tenant, Tenant]) -> None:
    acme, _ = ledger
    client = api()
    logs = client.get("/api/audit", headers=acme.headers).json()["logs"]
    second, fourth = logs[-2]["timestamp"], logs[-4]["timestamp"]
    window = client.get("/api/audit", headers=acme.headers, params={"from": second, "to": fourth}).json()["logs"]
    assert [r["id"] for r in window] == [r["id"] for r in logs if second <= r["timestamp"] <= fourth]
    assert {2, 4} <= {r["id"] for r in window}


def test_one_record_and_its_diff(ledger: tuple[Tenant, Tenant]) -> None:
    acme, _ = ledger
    client = api()
    record = client.get("/api/audit/2", headers=acme.headers).json()
    assert (record["id"], record["action"], record["resource_id"]) == (2, "policy.update", "c-1")
    diff = client.get("/api/audit/2/diff", headers=acme.headers).json()
    assert diff["changes"] == [{"path": "max_nodes", "before": 10, "after": 15}]
    assert diff["before"] == {"max_nodes": 10, "spot": True}
    assert diff["after"] == {"max_nodes": 15, "spot": True}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/audit", {"limit": "0"}, "limit"),
        ("/api/audit", {"limit": "201"}, "limit"),
        ("/api/audit", {"cursor": "abc"}, "cursor"),
        ("/api/audit", {"from": "yesterday"}, "from"),
        ("/api/audit", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from"),
        ("/api/audit/abc", {}, "id"),
        ("/api/audit/0", {}, "id"),
        ("/api/audit/abc/diff", {}, "id"),
        ("/api/audit/export", {"format": "xml"}, "format"),
        ("/api/audit/export", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    ledger: tuple[Tenant, Tenant], path: str, params: dict[str, str], field: str
) -> None:
    acme, _ = ledger
    response = api().get(path, headers=acme.headers, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("path", ["/api/audit/5", "/api/audit/5/diff", "/api/audit/99", "/api/audit/99/diff"])
def test_another_tenants_record_is_404(ledger: tuple[Tenant, Tenant], path: str) -> None:
    # Given Globex has 4 records and Acme has record 5 (a discovery scan)
    _, globex = ledger
    # When Globex asks for record 5 (or one that exists nowhere)
    response = api().get(path, headers=globex.headers)
    # Then it is not found, and nothing of Acme's leaks
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "account.scan" not in response.text


def test_each_tenant_lists_only_its_own_records(ledger: tuple[Tenant, Tenant]) -> None:
    acme, globex = ledger
    logs = api().get("/api/audit", headers=globex.headers).json()["logs"]
    assert [r["id"] for r in logs] == [4, 3, 2, 1]
    assert {r["resource_id"] for r in logs} == {"g-1", globex.org_id}
    assert acme.org_id not in str(logs)


@pytest.mark.parametrize(
    "path", ["/api/audit", "/api/audit/1", "/api/audit/1/diff", "/api/audit/export", "/api/audit/verify",
             "/api/activity/live"],
)
def test_missing_or_expired_token_is_401(hub: dict[str, str], ledger: tuple[Tenant, Tenant], path: str) -> None:
    acme, _ = ledger
    client = api()
    assert client.get(path).status_code == 401
    expired = client.get(path, headers={"Authorization": f"Bearer {expired_token(hub, acme.email)}"})
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]
