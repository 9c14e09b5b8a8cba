"""Tenant isolation, generated from the OpenAPI document: every operation that names a resource by id
(a path parameter, ``cluster_id`` in the query, or a body field ending in ``_id``) is called by tenant B
with tenant A's ids. Each must answer 404 (403 where the operation is for super admins only) and change
nothing A can see. A new route is covered as soon as it is in the document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from spothive.api.app import create_app
from spothive.domain.inventory import DiscoveredInstance
from spothive.wiring import lab
from tests.integration.config.helpers import add_cluster
from tests.integration.slice.helpers import Tenant, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration

APP = create_app()
DOCUMENT = APP.openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]

#: Valid values for required body fields other than ids, by name, so only the id can be at fault.
VALID = {
    "enabled": True, "aggressiveness": 50, "namespaces": ["shop"], "schedule_matrix": [1] * 168,
    "timezone": "Europe/Berlin", "duration_minutes": 30, "role_arn": "arn:aws:iam::111122223333:role/SpotHiveAccess",
    "name": "stolen", "families": ["m5"], "architectures": ["amd64"], "strategy": "balanced",
    "on": False, "mode": "auto", "reason": "cross-tenant walk", "minutes": 5, "dry_run": True,
}
#: A valid body for operations whose body is a free-form document (the cluster snapshot).
FREE_FORM_BODY = {"cluster": "x", "region": "us-east-1", "nodes": [], "pods": [], "pdbs": []}


def _body_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    # an optional body is anyOf [model, null]: the model is what to fill
    refs = [s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s] or ([schema["$ref"]] if "$ref" in schema else [])
    return SCHEMAS[refs[0].rsplit("/", 1)[-1]] if refs else schema


def _id_inputs(operation: dict[str, Any]) -> list[str]:
    names = [p["name"] for p in operation.get("parameters", [])
             if p["in"] == "path" or (p["in"] == "query" and p["name"] == "cluster_id")]
    body = _body_schema(operation) or {}
    return names + [n for n in body.get("properties", {}) if n.endswith("_id")]


#: The agent's routes authenticate with a per-cluster agent token, not a user's: another cluster's token or
#: action is a 403 there, tested in tests/integration/slice/test_agent_channel.py.
OPERATIONS = [(method, path) for path, item in DOCUMENT["paths"].items() for method, op in item.items()
              if _id_inputs(op) and "agent" not in op.get("tags", [])]


def test_the_walk_covers_every_resource_route() -> None:
    """A guard on the generator itself: the routes the product has today are all in the walk."""
    walked = {f"{m.upper()} {p}" for m, p in OPERATIONS}
    assert {"GET /api/clusters/{cluster_id}", "PATCH /api/policies/template", "POST /api/hibernation/schedule",
            "DELETE /api/templates/{template_id}", "GET /api/audit/{id}", "POST /api/connect/verify",
            "GET /api/metrics/projection", "POST /api/lab/parallel/{test_id}/stop",
            "GET /api/lab/experiments/{experiment_id}", "GET /api/lab/stream/{id}",
            "GET /api/clusters/{cluster_id}/rightsizing"} <= walked
    assert len(walked) >= 25


@pytest.fixture(scope="module")
def world(hub: dict[str, str]) -> dict[str, Any]:
    """Tenant A with a cluster, a template, a policy, a schedule and a long audit chain; tenant B bare."""
    client = TestClient(APP, raise_server_exceptions=False)
    a, b = signup(client, "Victim"), signup(client, "Intruder")
    cluster_id = add_cluster(a.org_id)
    template = client.post("/api/templates", headers=a.headers, json={
        "name": "a-general", "families": ["m5"], "architectures": ["amd64"]})
    assert template.status_code == 201, template.text
    for version in range(3):  # A's chain grows past B's: A's later seqs do not exist for B
        assert client.patch("/api/policies/binpack", headers=a.headers, json={
            "cluster_id": cluster_id, "expected_version": version, "aggressiveness": 40 + version}).status_code == 200
    assert client.post("/api/hibernation/schedule", headers=a.headers, json={
        "cluster_id": cluster_id, "schedule_matrix": [1] * 168, "timezone": "UTC"}).status_code == 200
    head = client.get("/api/audit/verify", headers=a.headers).json()["records"]
    instance_id = "i-0a0a0a0a0a0a0a0a0"  # a stand-alone instance of A's (right-sizing)
    wired().inventory.upsert_instances(a.org_id, [DiscoveredInstance(
        a.account_id, "us-east-1", instance_id, "m5.large", "us-east-1a", "on-demand", "running", None, None)],
        datetime.now(UTC))
    # a live switch of A's: A's users may read it, B's must not
    lab.lab_repo().save("exp-of-a", {"created_at": datetime.now(UTC).isoformat(), "status": "running",
                                     "kind": "live-switch", "org_id": a.org_id, "instance_id": "i-0a0a0a0a0a0a0a0a0",
                                     "telemetry": {"steps": [{"step": "prepare", "started_at": "x",
                                                              "duration_ms": 1, "result": "ok"}]}})
    ids = {"cluster_id": cluster_id, "instance_id": instance_id, "template_id": template.json()["template_id"], "account_id": a.account_id,
           "id": head, "job_id": "job-of-a", "model_id": "model-of-a", "org_id": a.org_id, "client_id": a.org_id,
           "token_id": "token-of-a", "test_id": "test-of-a", "experiment_id": "exp-of-a",
           "instance_a": instance_id, "instance_b": instance_id, "model_a": "model-of-a", "model_b": "model-of-b"}
    return {"client": client, "a": a, "b": b, "ids": ids}


def _a_view(client: TestClient, a: Tenant, ids: dict[str, Any]) -> str:
    """Everything of A's that a cross-tenant call could change, as one comparable string."""
    reads = [f"/api/clusters/{ids['cluster_id']}", f"/api/policies/{ids['cluster_id']}",
             f"/api/hibernation/{ids['cluster_id']}", f"/api/templates/{ids['template_id']}",
             "/api/templates", "/api/connect/accounts", "/api/audit/verify", "/api/audit?limit=200"]
    view = {}
    for path in reads:
        response = client.get(path, headers=a.headers)
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        if isinstance(body, dict):
            body.pop("awake_now", None)
            body.pop("next_transition", None)
        view[path] = body
    return json.dumps(view, sort_keys=True, default=str)


def _request(method: str, path: str, operation: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    url = path
    params: dict[str, Any] = {}
    for p in operation.get("parameters", []):
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", str(ids[p["name"]]))
        elif p["in"] == "query" and (p.get("required") or p["name"] == "cluster_id"):
            params[p["name"]] = ids.get(p["name"], "x")
    kwargs: dict[str, Any] = {"params": params}
    schema = _body_schema(operation)
    if schema is not None:
        properties = schema.get("properties")
        if not properties:
            kwargs["json"] = FREE_FORM_BODY if schema.get("additionalProperties", True) is not False else {}
        else:
            body = {name: ids[name] for name in properties if name in ids}
            body.update({name: VALID[name] for name in schema.get("required", []) if name not in body})
            if "expected_version" in properties:
                body["expected_version"] = 0
            kwargs["json"] = body
    return {"method": method.upper(), "url": url, **kwargs}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
def test_another_tenants_ids_are_not_found_and_change_nothing(world: dict[str, Any], method: str, path: str) -> None:
    client, a, b, ids = world["client"], world["a"], world["b"], world["ids"]
    operation = DOCUMENT["paths"][path][method]
    before = _a_view(client, a, ids)

    response = client.request(headers=b.headers, **_request(method, path, operation, ids))

    allowed = {404, 403} if "403" in operation["responses"] else {404}
    assert response.status_code in allowed, response.text
    assert response.json()["error"]["code"] in ("not_found", "forbidden")
    assert _a_view(client, a, ids) == before


def test_a_tenants_own_experiment_is_readable_by_it_and_by_no_other_tenant(world: dict[str, Any]) -> None:
    client, a, b = world["client"], world["a"], world["b"]
    for path in ("/api/lab/experiments/exp-of-a", "/api/lab/stream/exp-of-a"):
        assert client.get(path, headers=a.headers).status_code == 200, path
        refused = client.get(path, headers=b.headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (404, "not_found"), path


def test_the_model_card_is_for_super_admins_only(world: dict[str, Any]) -> None:
    """The served model's card names no tenant resource (not in the walk above): a tenant's token is refused."""
    client = world["client"]
    for tenant in (world["a"], world["b"]):
        refused = client.get("/api/lab/model-card", headers=tenant.headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
