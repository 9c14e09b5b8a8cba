"""/api/policies end to end: versioned documents, stale versions, change events, audit, isolation."""

from __future__ import annotations

import json

import pytest

from spothive.adapters.cache.policy_events import channel
from tests.integration.config.helpers import add_cluster, audit_records, last_audit
from tests.integration.slice.helpers import api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def test_default_document_then_karpenter_change_is_versioned_audited_and_published(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    redis = wired().redis
    pubsub = redis.pubsub()
    pubsub.subscribe(channel(tenant.org_id, cluster_id))
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    # Given the default document (version 0)
    got = client.get(f"/api/policies/{cluster_id}", headers=tenant.headers)
    assert got.status_code == 200
    assert got.headers["ETag"] == '"0"'
    doc = got.json()
    assert doc["version"] == 0
    assert doc["karpenter"] == {"enabled": False, "strategy": "balanced"}
    assert doc["exclusions"] == {"namespaces": ["kube-system"]}
    assert doc["fallback"] == {"enabled": True}
    # When Karpenter is enabled with the cost strategy, based on version 0
    response = client.patch("/api/policies/karpenter", headers=tenant.headers,
                            json={"cluster_id": cluster_id, "enabled": True, "strategy": "cost", "expected_version": 0})
    # Then version 1 is stored and returned
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1
    assert response.json()["karpenter"] == {"enabled": True, "strategy": "cost"}
    assert response.headers["ETag"] == '"1"'
    assert client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()["karpenter"]["enabled"] is True
    # And an audit record holds the documents before and after
    record = last_audit(tenant.org_id, "policy.karpenter.update")
    assert record.actor.startswith("user:")
    assert record.resource_id == cluster_id
    assert record.before["version"] == 0  # type: ignore[index]
    assert record.before["karpenter"] == {"enabled": False, "strategy": "balanced"}  # type: ignore[index]
    assert record.after["karpenter"] == {"enabled": True, "strategy": "cost"}  # type: ignore[index]
    # And the agent's stream and channel carry the new version
    entries = redis.xrange(channel(tenant.org_id, cluster_id))
    assert len(entries) == 1
    fields = entries[0][1]
    assert (fields["version"], fields["sections"], fields["org_id"]) == ("1", "karpenter", tenant.org_id)
    assert json.loads(fields["document"])["karpenter"] == {"enabled": True, "strategy": "cost"}
    message = pubsub.get_message(timeout=2)
    assert message is not None
    assert json.loads(message["data"])["version"] == "1"
    pubsub.close()


def test_binpack_fallback_exclusions_with_if_match(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    one = client.patch("/api/policies/binpack", headers=tenant.headers,
                       json={"cluster_id": cluster_id, "aggressiveness": 70, "expected_version": 0})
    assert one.json()["binpack"] == {"aggressiveness": 70}
    two = client.patch("/api/policies/fallback", headers={**tenant.headers, "If-Match": '"1"'},
                       json={"cluster_id": cluster_id, "enabled": False})
    assert two.status_code == 200, two.text
    assert two.json()["fallback"] == {"enabled": False}
    three = client.patch("/api/policies/exclusions", headers=tenant.headers,
                         json={"cluster_id": cluster_id, "namespaces": ["monitoring", "argo-cd", "monitoring"],
                               "expected_version": 2})
    assert three.json()["exclusions"] == {"namespaces": ["argo-cd", "kube-system", "monitoring"]}
    assert three.json()["version"] == 3
    actions = [r.action for r in audit_records(tenant.org_id)]
    assert actions == ["policy.binpack.update", "policy.fallback.update", "policy.exclusions.update"]
    record = last_audit(tenant.org_id, "policy.exclusions.update")
    assert record.before["exclusions"] == {"namespaces": ["kube-system"]}  # type: ignore[index]
    assert [int(e[1]["version"]) for e in wired().redis.xrange(channel(tenant.org_id, cluster_id))] == [1, 2, 3]


def test_stale_version_is_409_naming_expected_version_and_changes_nothing(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    # Given two editors who both loaded version 0, and the first saved
    first = client.patch("/api/policies/binpack", headers=tenant.headers,
                         json={"cluster_id": cluster_id, "aggressiveness": 30, "expected_version": 0})
    assert first.status_code == 200
    # When the second saves based on version 0
    second = client.patch("/api/policies/binpack", headers=tenant.headers,
                          json={"cluster_id": cluster_id, "aggressiveness": 80, "expected_version": 0})
    # Then it is refused naming expected_version, and the first editor's value stands
    assert second.status_code == 409
    assert second.json()["error"]["field"] == "expected_version"
    assert "version 1" in second.json()["error"]["message"]
    doc = client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()
    assert (doc["version"], doc["binpack"]["aggressiveness"]) == (1, 30)
    assert len(audit_records(tenant.org_id)) == 1
    stale_header = client.patch("/api/policies/fallback", headers={**tenant.headers, "If-Match": '"0"'},
                                json={"cluster_id": cluster_id, "enabled": False})
    assert stale_header.status_code == 409
    assert stale_header.json()["error"]["field"] == "expected_version"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("binpack", {"aggressiveness": 19, "expected_version": 0}, "aggressiveness"),
    ("binpack", {"aggressiveness": 81, "expected_version": 0}, "aggressiveness"),
    ("binpack", {"aggressiveness": 50}, "expected_version"),
    ("karpenter", {"enabled": True, "strategy": "reckless", "expected_version": 0}, "strategy"),
    ("karpenter", {"strategy": "cost", "expected_version": 0}, "enabled"),
    ("fallback", {"enabled": "perhaps", "expected_version": 0}, "enabled"),
    ("exclusions", {"namespaces": ["ok", "Not_A_Label"], "expected_version": 0}, "namespaces.1"),
    ("exclusions", {"namespaces": ["x" * 64], "expected_version": 0}, "namespaces.0"),
    ("binpack", {"aggressiveness": 50, "expected_version": -1}, "expected_version"),
])
def test_bad_input_is_422_naming_the_field(hub: dict[str, str], path: str, body: dict, field: str) -> None:
    client = api()
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    response = client.patch(f"/api/policies/{path}", headers=tenant.headers, json={"cluster_id": cluster_id, **body})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()["version"] == 0
    assert audit_records(tenant.org_id) == []


def test_another_tenants_cluster_is_404(hub: dict[str, str]) -> None:
    client = api()
    owner, other = signup(client), signup(client)
    cluster_id = add_cluster(owner.org_id)
    assert client.get(f"/api/policies/{cluster_id}", headers=other.headers).status_code == 404
    for path, body in [("karpenter", {"enabled": True}), ("binpack", {"aggressiveness": 40}),
                       ("fallback", {"enabled": False}), ("exclusions", {"namespaces": []}),
                       ("template", {"template_id": None})]:
        response = client.patch(f"/api/policies/{path}", headers=other.headers,
                                json={"cluster_id": cluster_id, "expected_version": 0, **body})
        assert response.status_code == 404, path
        assert response.json()["error"]["field"] == "cluster_id"
    assert client.get("/api/policies/no-such-cluster", headers=owner.headers).status_code == 404
    assert audit_records(other.org_id) == []


def test_binding_another_tenants_template_is_404(hub: dict[str, str]) -> None:
    client = api()
    owner, other = signup(client), signup(client)
    template = client.post("/api/templates", headers=owner.headers, json={
        "name": "x", "families": ["m5"], "architectures": ["amd64"]}).json()
    cluster_id = add_cluster(other.org_id)
    response = client.patch("/api/policies/template", headers=other.headers,
                            json={"cluster_id": cluster_id, "template_id": template["template_id"], "expected_version": 0})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "template_id"


def test_automation_mode_and_disruption_budget_are_versioned_and_what_the_executor_reads(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    # Given the default document: recommend, 3 nodes / 20 % at once
    got = client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()
    assert got["automation"] == {"mode": "recommend", "disruption_budget": {"max_nodes": 3, "max_percent": 20},
                                 "threshold": {"payback_days": 7, "min_monthly_saving_usd": 5.0}}
    # When the user turns on auto with a budget of 2 nodes or 10 %
    changed = client.patch("/api/policies/automation", headers=tenant.headers, json={
        "cluster_id": cluster_id, "expected_version": 0, "mode": "auto", "max_nodes": 2, "max_percent": 10,
        "payback_days": 14, "min_monthly_saving_usd": 20})
    assert changed.status_code == 200 and changed.json()["version"] == 1
    # Then it is stored, audited, and the executor's waves read exactly that budget
    again = client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()
    assert again["automation"] == {"mode": "auto", "disruption_budget": {"max_nodes": 2, "max_percent": 10},
                                   "threshold": {"payback_days": 14, "min_monthly_saving_usd": 20.0}}
    assert last_audit(tenant.org_id, "policy.automation.update").after["automation"]["mode"] == "auto"  # type: ignore[index]
    assert last_audit(tenant.org_id, "policy.automation.update").after["automation"]["threshold"] == {  # type: ignore[index]
        "payback_days": 14, "min_monthly_saving_usd": 20.0}
    from spothive.wiring import optimization

    budget, fallback = optimization.cluster_access().budget(tenant.org_id, cluster_id)
    assert (budget.max_nodes, budget.max_percent, budget.per_wave(40), fallback) == (2, 10, 2, True)
    # And bad input is a 422 naming the field, changing nothing
    for body, field in (({"mode": "always"}, "mode"), ({"mode": "auto", "max_nodes": 0}, "max_nodes"),
                        ({"mode": "auto", "max_percent": 101}, "max_percent"),
                        ({"mode": "auto", "payback_days": 0}, "payback_days"),
                        ({"mode": "auto", "min_monthly_saving_usd": "lots"}, "min_monthly_saving_usd")):
        bad = client.patch("/api/policies/automation", headers=tenant.headers,
                           json={"cluster_id": cluster_id, "expected_version": 1, **body})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == field, body
    assert client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()["version"] == 1
