"""/api/templates end to end: CRUD, validation, one default under concurrency, delete while in use."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from tests.integration.config.helpers import add_cluster, audit_records, last_audit
from tests.integration.slice.helpers import api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration

BODY = {
    "name": "general-arm", "families": ["m6g", "c6g"], "architectures": ["arm64"],
    "capacity_types": ["spot", "on-demand"], "strategy": "cost", "max_nodes": 40, "disruption_budget_percent": 20,
}


def _create(client, tenant, **overrides) -> dict:  # type: ignore[no-untyped-def]
    response = client.post("/api/templates", headers=tenant.headers, json={**BODY, **overrides})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_get_list_and_audit(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    # When a template is created
    created = _create(client, tenant, families=["M6G", "c6g", "m6g"], architectures=["aarch64"])
    # Then it is stored normalised and shown, not yet default
    assert created["families"] == ["m6g", "c6g"]
    assert created["architectures"] == ["arm64"]
    assert (created["strategy"], created["max_nodes"], created["version"], created["is_default"]) == ("cost", 40, 1, False)
    got = client.get(f"/api/templates/{created['template_id']}", headers=tenant.headers).json()
    assert got == created
    listed = client.get("/api/templates", headers=tenant.headers).json()["templates"]
    assert [t["template_id"] for t in listed] == [created["template_id"]]
    # And the audit record carries the created document
    record = last_audit(tenant.org_id, "template.create")
    assert record.actor.startswith("user:")
    assert record.resource_id == created["template_id"]
    assert record.before is None
    assert record.after["families"] == ["m6g", "c6g"]  # type: ignore[index]


def test_update_changes_the_template_and_audits_before_and_after(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    created = _create(client, tenant)
    response = client.put(f"/api/templates/{created['template_id']}", headers=tenant.headers,
                          json={**BODY, "name": "general-mixed", "families": ["m6g", "m5"], "architectures": ["arm64", "amd64"]})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "general-mixed"
    assert response.json()["version"] == 2
    record = last_audit(tenant.org_id, "template.update")
    assert record.before["name"] == "general-arm"  # type: ignore[index]
    assert record.after["name"] == "general-mixed"  # type: ignore[index]
    assert record.after["version"] == 2  # type: ignore[index]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"families": ["g4dn"], "architectures": ["arm64"]}, "families"),
    ({"families": ["m6g"], "architectures": ["x86_64"]}, "families"),
    ({"families": ["zz9"]}, "families"),
    ({"families": []}, "families"),
    ({"strategy": "yolo"}, "strategy"),
    ({"capacity_types": ["reserved"]}, "capacity_types.0"),
    ({"max_nodes": 0}, "max_nodes"),
    ({"name": ""}, "name"),
    ({"architectures": ["sparc"]}, "architectures"),
])
def test_bad_template_is_422_naming_the_field_and_stores_nothing(
    hub: dict[str, str], overrides: dict, field: str
) -> None:
    client = api()
    tenant = signup(client)
    response = client.post("/api/templates", headers=tenant.headers, json={**BODY, **overrides})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert client.get("/api/templates", headers=tenant.headers).json()["templates"] == []
    assert audit_records(tenant.org_id) == []


def test_validate_reports_errors_and_warnings(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    bad = client.post("/api/templates/validate", headers=tenant.headers,
                      json={"families": ["g4dn", "m6g", "qq1"], "architectures": ["arm64"]}).json()
    assert bad == {"valid": False, "errors": ["unknown instance family 'qq1'",
                                              "g4dn is amd64 only and has no arm64 instance types"], "warnings": []}
    mixed = client.post("/api/templates/validate", headers=tenant.headers,
                        json={"families": ["m6g", "m5"], "architectures": ["arm64", "x86_64"], "gpu": False}).json()
    assert mixed["valid"] is True
    assert mixed["warnings"] == ["mixing amd64 and arm64 needs multi-architecture images for every workload"]
    missing = client.post("/api/templates/validate", headers=tenant.headers, json={"families": ["m5"]})
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "architectures"


def test_another_tenants_template_is_404(hub: dict[str, str]) -> None:
    client = api()
    owner, other = signup(client), signup(client)
    created = _create(client, owner)
    tid = created["template_id"]
    assert client.get(f"/api/templates/{tid}", headers=other.headers).status_code == 404
    assert client.put(f"/api/templates/{tid}", headers=other.headers, json=BODY).status_code == 404
    assert client.delete(f"/api/templates/{tid}", headers=other.headers).status_code == 404
    assert client.patch(f"/api/templates/{tid}/default", headers=other.headers).status_code == 404
    assert client.get("/api/templates", headers=other.headers).json()["templates"] == []
    assert audit_records(other.org_id) == []
    assert client.get(f"/api/templates/{tid}", headers=owner.headers).json()["version"] == 1


def test_set_default_moves_the_single_default_and_audits(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    a, b = _create(client, tenant, name="a"), _create(client, tenant, name="b")
    assert client.patch(f"/api/templates/{a['template_id']}/default", headers=tenant.headers).json()["is_default"]
    response = client.patch(f"/api/templates/{b['template_id']}/default", headers=tenant.headers)
    assert response.status_code == 200
    listed = client.get("/api/templates", headers=tenant.headers).json()["templates"]
    assert {t["name"]: t["is_default"] for t in listed} == {"a": False, "b": True}
    record = last_audit(tenant.org_id, "template.set_default")
    assert record.before == {"default_template_id": a["template_id"]}
    assert record.after == {"default_template_id": b["template_id"]}


@pytest.mark.usefixtures("serializable_transactions")
def test_concurrent_set_default_leaves_exactly_one_default(hub: dict[str, str]) -> None:
    # Given four templates
    client = api()
    tenant = signup(client)
    ids = [_create(client, tenant, name=f"t{n}")["template_id"] for n in range(4)]
    before = len(audit_records(tenant.org_id))

    # When eight requests race to make different templates the default
    def make_default(n: int) -> int:
        return client.patch(f"/api/templates/{ids[n % 4]}/default", headers=tenant.headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(make_default, range(8)))
    # Then every request succeeded and exactly one template is the default
    assert codes == [200] * 8
    listed = client.get("/api/templates", headers=tenant.headers).json()["templates"]
    defaults = [t["template_id"] for t in listed if t["is_default"]]
    assert len(defaults) == 1
    # And the audit trail is one unbroken chain of pointer moves ending at that default
    moves = [r for r in audit_records(tenant.org_id)[before:] if r.action == "template.set_default"]
    assert 1 <= len(moves) <= 8
    assert moves[0].before == {"default_template_id": None}
    for earlier, later in itertools.pairwise(moves):
        assert later.before == earlier.after
    assert moves[-1].after == {"default_template_id": defaults[0]}


def test_delete_is_soft_refused_while_a_policy_uses_it_and_clears_the_default(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    created = _create(client, tenant)
    tid = created["template_id"]
    cluster_id = add_cluster(tenant.org_id)
    client.patch(f"/api/templates/{tid}/default", headers=tenant.headers)
    bound = client.patch("/api/policies/template", headers=tenant.headers,
                         json={"cluster_id": cluster_id, "template_id": tid, "expected_version": 0})
    assert bound.status_code == 200, bound.text
    # When the template is deleted while the cluster's policy uses it
    refused = client.delete(f"/api/templates/{tid}", headers=tenant.headers)
    # Then 409 names the cluster and nothing changes
    assert refused.status_code == 409
    assert cluster_id in refused.json()["error"]["message"]
    assert client.get(f"/api/templates/{tid}", headers=tenant.headers).status_code == 200
    # When the policy is unbound, the delete succeeds and is soft
    client.patch("/api/policies/template", headers=tenant.headers,
                 json={"cluster_id": cluster_id, "template_id": None, "expected_version": 1})
    assert client.delete(f"/api/templates/{tid}", headers=tenant.headers).status_code == 204
    assert client.get(f"/api/templates/{tid}", headers=tenant.headers).status_code == 404
    assert client.get("/api/templates", headers=tenant.headers).json()["templates"] == []
    item = boto3.resource("dynamodb", region_name="us-east-1").Table("it-node-templates").get_item(
        Key={"org_id": tenant.org_id, "template_id": tid})["Item"]
    assert item["deleted_at"]
    assert wired().template_repo.default_id(tenant.org_id) is None
    record = last_audit(tenant.org_id, "template.delete")
    assert record.before["deleted_at"] is None  # type: ignore[index]
    assert record.after["deleted_at"] is not None  # type: ignore[index]
    # And a deleted template cannot be bound or made default
    rebind = client.patch("/api/policies/template", headers=tenant.headers,
                          json={"cluster_id": cluster_id, "template_id": tid, "expected_version": 2})
    assert rebind.status_code == 404
    assert rebind.json()["error"]["field"] == "template_id"
    assert client.patch(f"/api/templates/{tid}/default", headers=tenant.headers).status_code == 404
