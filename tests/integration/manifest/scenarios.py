"""One representative run of every function: each API route once, each worker's event, both workflows.

API route groups are served by their own app (``create_app([group])``) with every request attributed
to the group's function; workers and workflow steps run through the stack's handler registry, whose
handlers attribute themselves (the state machines run in moto and call them back).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from spothive.api.app import create_app
from spothive.commands.admin import create_super_admin
from spothive.local.demo_customer import seed_customer
from spothive.local.events import SPOT_EVENTS_FUNCTION, spot_event
from spothive.local.runtime import LocalStack
from tests.integration.manifest.recorder import attributing_app
from tests.integration.slice.helpers import PASSWORD, Tenant

NODES = (("m5.xlarge", "on-demand", "a"), ("m5.xlarge", "on-demand", "b"), ("c6g.xlarge", "spot", "a"))
TEMPLATE = {"name": "general-arm", "families": ["m6g", "c6g"], "architectures": ["arm64"],
            "capacity_types": ["spot", "on-demand"], "strategy": "cost", "max_nodes": 40,
            "disruption_budget_percent": 20}
ASLEEP = [0] * (7 * 24)


def group(name: str) -> TestClient:
    """A client for the route group ``name`` alone, its requests attributed to that function."""
    return TestClient(attributing_app(create_app([name]), name))


def ok(response: Any, *codes: int) -> dict[str, Any]:
    """The JSON body, asserting the status is one of ``codes`` (200 by default)."""
    assert response.status_code in (codes or (200,)), response.text
    return response.json() if response.content else {}


def snapshot() -> dict[str, Any]:
    """A small cluster snapshot as the agent uploads it."""
    node = {"instance_type": "m5.xlarge", "capacity_type": "on-demand", "labels": {"kubernetes.io/arch": "amd64"},
            "taints": []}
    return {
        "cluster": "small", "region": "us-east-1",
        "nodes": [{**node, "name": "n1", "zone": "us-east-1a"}, {**node, "name": "n2", "zone": "us-east-1b"}],
        "pods": [{"namespace": "web", "name": f"api-{i}", "node": "n1" if i < 2 else "n2", "cpu_m": 250,
                  "memory_mib": 512, "gpu": 0, "owner": "api", "node_selector": {}, "do_not_disrupt": False}
                 for i in range(4)],
        "pdbs": [],
    }


def tiny_model(rounds: int) -> bytes:
    """A LightGBM model on the shipped hold-out set, good enough to pass validation."""
    import lightgbm as lgb

    from spothive_models.features import FEATURE_NAMES
    from spothive_models.validate_holdout import load

    features, labels = load()
    params = {"objective": "binary", "num_leaves": 7, "learning_rate": 0.2, "min_data_in_leaf": 10,
              "verbosity": -1, "num_threads": 1, "seed": 7, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(features, label=labels, feature_name=list(FEATURE_NAMES)), rounds)
    return booster.model_to_string().encode()


@dataclass
class World:
    """What the scenarios create and later ones use."""

    tenant: Tenant
    cluster_id: str = ""
    instance_ids: tuple[str, ...] = ()
    role_arn: str = ""
    agent_token: str = ""
    account_id: str = ""
    admin_token: str = ""
    experiment_id: str = ""


def auth(stack: LocalStack) -> World:
    """Sign-up, token, who am I, and logout (of a second tenant, so the first keeps its token)."""
    client = group("api-auth")
    tenants = []
    for _ in range(2):
        email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
        body = ok(client.post("/api/auth/signup", json={"org_name": "Acme", "email": email, "password": PASSWORD}),
                  201)
        tenants.append(Tenant(email, body["org_id"], body["account_id"], body["token"]))
    tenant, leaving = tenants
    ok(client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD}))
    ok(client.get("/api/auth/me", headers=tenant.headers))
    ok(client.post("/api/auth/logout", headers=leaving.headers), 200, 204)
    return World(tenant)


def connect(stack: LocalStack, world: World) -> None:
    """Link, template, verify (which invokes discovery), accounts; waits for the discovered cluster."""
    account = str(uuid.uuid4().int)[:12].rjust(12, "1")
    customer = seed_customer(account, cluster_name=f"c-{uuid.uuid4().hex[:6]}", nodes=NODES, extra_standalone=0,
                             scheduled=("nightly",))
    world.role_arn, world.instance_ids = customer.role_arn, tuple(customer.instance_ids)
    client, headers = group("api-connect"), world.tenant.headers
    link = ok(client.post("/api/connect/link", headers=headers), 200, 201)
    ok(client.get("/api/connect/template", headers=headers))
    ok(client.post("/api/connect/verify", headers=headers,
                   json={"account_id": link["account_id"], "role_arn": customer.role_arn}))
    ok(client.get("/api/connect/accounts", headers=headers))
    world.account_id = link["account_id"]
    clusters = group("api-clusters")
    deadline = time.monotonic() + 30
    while not world.cluster_id and time.monotonic() < deadline:
        found = ok(clusters.get("/api/client/clusters", headers=headers))["clusters"]
        world.cluster_id = found[0]["cluster_id"] if found else ""
        time.sleep(0.1)
    assert world.cluster_id, "the discovery the verification invoked found no cluster"


def clusters(stack: LocalStack, world: World) -> None:
    """Every clusters, metrics, agent, activity and jobs route; two optimization runs in moto."""
    client, headers, cid = group("api-clusters"), world.tenant.headers, world.cluster_id
    ok(client.get(f"/api/clusters/{cid}", headers=headers))
    ok(client.get("/api/clusters/discover", headers=headers, params={"account_id": world.account_id}))
    # without a snapshot detect plans from the stored instances (the shipped model blocks those pools)
    _optimize(stack, client, world, {})
    world.agent_token = ok(client.post("/api/clusters/connect", headers=headers, json={"cluster_id": cid}),
                           200, 201)["token"]
    ok(client.get(f"/api/clusters/{cid}/verify", headers=headers))
    ok(client.put(f"/api/clusters/{cid}/snapshot", headers=headers, json=snapshot()))
    # from the snapshot's plan actions are approved; without an agent the execution fails through compensate
    assert _optimize(stack, client, world, {"dry_run": False}) == "FAILED"
    ok(client.get("/api/metrics/kpi", headers=headers))
    ok(client.get(f"/api/metrics/projection?cluster_id={cid}", headers=headers))
    agent = {"Authorization": f"Bearer {world.agent_token}"}
    ok(client.post("/api/agent/heartbeat", headers=agent))
    ok(client.put("/api/agent/snapshot", headers=agent, json=snapshot()))
    # a usage sample folds into the workload histories, which the cluster's right-sizing re-packs with
    ok(client.post("/api/agent/usage", headers=agent, json={
        "cluster_id": cid, "collected_at": "2026-12-01T12:00:00Z", "source": "metrics-server", "nodes": [],
        "pods": [{"namespace": "web", "name": f"api-{i}", "cpu_m": 60, "memory_mib": 200} for i in range(4)]}), 202)
    ok(client.get(f"/api/clusters/{cid}/rightsizing", headers=headers))
    assert _optimize(stack, client, world, {"dry_run": True}) == "SUCCEEDED"
    ok(client.get("/api/activity/live", headers=headers))
    # the wave steps outside an execution: what is next for a job, and its verification record
    job_id = ok(client.post(f"/api/clusters/{cid}/optimize", headers=headers, json={}), 202)["job_id"]
    ids = {"org_id": world.tenant.org_id, "cluster_id": cid, "job_id": job_id}
    stack.invoke("opt-wave", {**ids, "step": "next"})
    stack.invoke("opt-wave", {**ids, "step": "verify"})
    ok(client.get("/api/safe-mode", headers=headers))
    ok(client.put(f"/api/clusters/{cid}/safe-mode", headers=headers, json={"on": False}))


def _optimize(stack: LocalStack, client: TestClient, world: World, body: dict[str, Any]) -> str:
    """Start an optimization, wait for it and read the job; the execution's final status."""
    started = ok(client.post(f"/api/clusters/{world.cluster_id}/optimize", headers=world.tenant.headers,
                             json=body), 202)
    described = stack.wait_execution(started["execution_arn"])
    ok(client.get(f"/api/clusters/{world.cluster_id}/jobs/{started['job_id']}", headers=world.tenant.headers))
    return str(described["status"])


def config(stack: LocalStack, world: World) -> None:
    """Every template, policy and hibernation route."""
    client, headers, cid = group("api-config"), world.tenant.headers, world.cluster_id
    template = ok(client.post("/api/templates", headers=headers, json=TEMPLATE), 201)
    tid = template.get("template_id") or template["template"]["template_id"]
    ok(client.get("/api/templates", headers=headers))
    ok(client.post("/api/templates/validate", headers=headers,
                   json={"families": ["m6g"], "architectures": ["arm64"]}))
    ok(client.get(f"/api/templates/{tid}", headers=headers))
    ok(client.put(f"/api/templates/{tid}", headers=headers, json={**TEMPLATE, "max_nodes": 30}))
    ok(client.patch(f"/api/templates/{tid}/default", headers=headers))
    ok(client.get(f"/api/policies/{cid}", headers=headers))
    for version, (path, body) in enumerate((
            ("karpenter", {"enabled": True, "strategy": "cost"}), ("binpack", {"aggressiveness": 70}),
            ("fallback", {"enabled": False}), ("exclusions", {"namespaces": ["monitoring"]}),
            ("template", {"template_id": tid}))):
        ok(client.patch(f"/api/policies/{path}", headers=headers,
                        json={"cluster_id": cid, "expected_version": version, **body}))
    ok(client.post("/api/hibernation/schedule", headers=headers,
                   json={"cluster_id": cid, "schedule_matrix": ASLEEP, "timezone": "America/New_York"}), 200, 201)
    # the tagged stand-alone instance is a group of its own, asleep all week
    [instances] = ok(client.get("/api/hibernation/targets", headers=headers))["instance_groups"]
    ok(client.post("/api/hibernation/schedule", headers=headers,
                   json={"cluster_id": instances["cluster_id"], "schedule_matrix": ASLEEP, "timezone": "UTC"}))
    # an always-asleep schedule: the worker puts the cluster to sleep now (the override below wakes it)
    stack.fire_schedule("hibernation")
    ok(client.patch("/api/hibernation/prewarm", headers=headers, json={"cluster_id": cid, "enabled": True}))
    ok(client.patch("/api/hibernation/tz", headers=headers, json={"cluster_id": cid, "timezone": "Europe/Berlin"}))
    ok(client.post("/api/hibernation/override", headers=headers, json={"cluster_id": cid, "duration_minutes": 90}))
    ok(client.get(f"/api/hibernation/{cid}", headers=headers))
    second = ok(client.post("/api/templates", headers=headers, json={**TEMPLATE, "name": "spare"}), 201)
    spare = second.get("template_id") or second["template"]["template_id"]
    ok(client.delete(f"/api/templates/{spare}", headers=headers), 200, 204)


def audit(stack: LocalStack, world: World) -> None:
    """List, export, verify, one record and its diff."""
    client, headers = group("api-audit"), world.tenant.headers
    records = ok(client.get("/api/audit", headers=headers))
    ok(client.get("/api/audit/export", headers=headers))
    ok(client.get("/api/audit/verify", headers=headers))
    record_id = records["logs"][0]["id"]
    ok(client.get(f"/api/audit/{record_id}", headers=headers))
    ok(client.get(f"/api/audit/{record_id}/diff", headers=headers))


def admin(stack: LocalStack, world: World) -> None:
    """Upload two models, list them, graduate one, roll back."""
    email = f"root-{uuid.uuid4().hex[:8]}@spothive.io"
    create_super_admin(email, PASSWORD)
    token = ok(group("api-auth").post("/api/auth/token", json={"email": email, "password": PASSWORD}))["jwt_token"]
    client, headers = group("api-admin"), {"Authorization": f"Bearer {token}"}
    world.admin_token = token
    # the platform log and an experiment's telemetry (polling fallbacks of the live streams)
    ok(client.get("/api/admin/logs", headers=headers))
    ok(client.get("/api/lab/stream/exp-none", headers=headers), 404)
    ok(client.get("/api/lab/model-card", headers=headers), 200, 404)  # 404 until a feed recalibrated the model
    models = [ok(client.post("/api/admin/models/upload", headers=headers,
                             files={"file": ("model.txt", tiny_model(rounds), "application/octet-stream")},
                             data={"version": f"v{rounds}-{uuid.uuid4().hex[:4]}"}), 201)["model"]
              for rounds in (10, 12)]
    ok(client.get("/api/admin/models", headers=headers))
    ok(client.post("/api/lab/graduate", headers=headers, json={"model_id": models[0]["model_id"]}))
    ok(client.post("/api/lab/graduate", headers=headers, json={"model_id": models[1]["model_id"]}))
    ok(client.post("/api/lab/rollback", headers=headers, json={"model_id": models[0]["model_id"]}))
    assert ok(client.get("/api/admin/clients", headers=headers, params={"limit": 100}))["clients"]
    assert ok(client.get("/api/admin/health/workers", headers=headers))["workers"]
    # the lab: a dry-run live switch of the tenant's instance, read back; an A/B test of the production
    # model and a fresh candidate on two of its instances, and its results
    org = world.tenant.org_id
    started = ok(client.post("/api/lab/live-switch", headers=headers, json={
        "org_id": org, "instance_id": world.instance_ids[0], "dry_run": True}), 202)
    stack.wait_execution(started["execution_arn"])
    ok(client.get(f"/api/lab/experiments/{started['experiment_id']}", headers=headers))
    candidate = ok(client.post("/api/admin/models/upload", headers=headers,
                               files={"file": ("model.txt", tiny_model(14), "application/octet-stream")},
                               data={"version": f"v14-{uuid.uuid4().hex[:4]}"}), 201)["model"]
    test = ok(client.post("/api/lab/parallel", headers=headers, json={
        "org_id": org, "instance_a": world.instance_ids[0], "model_a": models[0]["model_id"],
        "instance_b": world.instance_ids[1], "model_b": candidate["model_id"]}), 201)
    ok(client.get(f"/api/lab/parallel/{test['test_id']}", headers=headers))
    ok(client.post(f"/api/lab/parallel/{test['test_id']}/stop", headers=headers))
    impersonate(headers, world)


def impersonate(admin: dict[str, str], world: World) -> None:
    """Impersonate the tenant, call one route of every API group with the token, then revoke it."""
    from spothive.wiring import identity

    client = group("api-admin")
    issued = ok(client.post("/api/admin/impersonate", headers=admin, json={
        "client_id": world.tenant.org_id, "reason": "manifest scenario: every group verifies", "minutes": 5}), 201)
    headers = {**admin, issued["header"]: issued["temp_jwt"]}
    for name, path, status in (("api-auth", "/api/auth/me", 200), ("api-connect", "/api/connect/accounts", 200),
                               ("api-clusters", "/api/client/clusters", 200), ("api-config", "/api/templates", 200),
                               ("api-audit", "/api/audit", 200), ("api-admin", "/api/admin/models", 403)):
        identity.impersonation.forget()  # each function is its own process on AWS: each fetches the public key
        assert group(name).get(path, headers=headers).status_code == status, (name, path)
    ok(client.delete(f"/api/admin/impersonate/{issued['grant']['token_id']}", headers=admin))


def workers(stack: LocalStack, world: World) -> None:
    """Every schedule's event, a Spot warning, a model request and a live-switch experiment."""
    # automation first: the cluster's policy is saved (config) and its jobs are done, so it starts a preview
    for schedule in ("automation", "discovery", "prices", "spot-advisor", "hibernation", "weekly-report"):
        stack.fire_schedule(schedule)
    # a warning forwarded from the customer's account, for one of its instances
    customer_account = world.role_arn.split(":")[4]
    stack.invoke(SPOT_EVENTS_FUNCTION, spot_event(world.instance_ids[0], account=customer_account))
    stack.invoke("model-endpoint", {"body": "{}"})
    changed_feed(stack)
    # the endpoint's recalibration, requested through Lambda, is on the served model's card
    admin = {"Authorization": f"Bearer {world.admin_token}"}
    card = ok(group("api-admin").get("/api/lab/model-card", headers=admin))
    assert card["recalibrations"][-1]["status"] in ("fitted", "skipped"), card["recalibrations"]
    stack.invoke("model-endpoint", {"contract_version": "v1.0", "features": {
        "instance_type": "m5.large", "availability_zone": "us-east-1a", "spot_price_history": [0.05],
        "hour_of_day": 3, "day_of_week": 1}})
    experiment = f"exp-{uuid.uuid4().hex[:12]}"
    payload = {"experiment_id": experiment, "instance_id": world.instance_ids[0], "role_arn": world.role_arn,
               "region": "us-east-1", "poll_seconds": 0}
    stack.wait_execution(stack.start_execution("live-switch", payload, name=experiment))
    world.experiment_id = experiment


def changed_feed(stack: LocalStack) -> None:
    """An Advisor feed that moves every Linux pool one bucket up: the worker stores the transition and the
    model endpoint (asynchronously) recalibrates the served model on it; then the original feed is back."""
    feed = Path(stack.env["SPOTHIVE_ADVISOR_FEED"])
    original = feed.read_text()
    data = json.loads(original)
    for by_os in data["spot_advisor"].values():
        for entry in by_os.get("Linux", {}).values():
            entry["r"] = min(4, int(entry["r"]) + 1)
    feed.write_text(json.dumps(data))
    try:
        stack.fire_schedule("spot-advisor")
    finally:
        feed.write_text(original)


def _socket_event(connection_id: str, **extra: Any) -> dict[str, Any]:
    return {"requestContext": {"connectionId": connection_id, "requestId": uuid.uuid4().hex}, **extra}


def _log_batch(*lines: dict[str, Any]) -> dict[str, Any]:
    payload = {"messageType": "DATA_MESSAGE", "logGroup": "/aws/lambda/spothive-worker-discovery",
               "logEvents": [{"id": str(i), "timestamp": 0, "message": json.dumps(line)} for i, line in enumerate(lines)]}
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}


def streams(stack: LocalStack, world: World) -> None:
    """The WebSocket routes as API Gateway invokes them, pushing through moto's stage; a rescan and a log
    batch pushed to the sockets that follow them."""
    from spothive import settings
    from spothive.wiring import accounts
    from spothive.wiring import lab as lab_wiring
    from spothive.wiring import streams as streams_wiring

    def rebuild() -> None:
        settings.clear()
        for made in (streams_wiring.stream_settings, streams_wiring.streams, accounts.discovery,
                     lab_wiring.live_switch):
            made.forget()

    os.environ["SPOTHIVE_WEBSOCKET_ENDPOINT"] = stack.endpoint_url
    rebuild()
    try:
        tenant_socket, lab_socket = f"conn-{uuid.uuid4().hex[:8]}", f"conn-{uuid.uuid4().hex[:8]}"
        opened = stack.invoke("ws-connect", _socket_event(
            tenant_socket, headers={"Sec-WebSocket-Protocol": f"spothive.v1, bearer.{world.tenant.token}"},
            queryStringParameters={"stream": "connect", "account_id": world.tenant.account_id}))
        assert opened["statusCode"] == 200, opened
        opened = stack.invoke("ws-connect", _socket_event(
            lab_socket, queryStringParameters={"stream": "lab", "id": world.experiment_id, "token": world.admin_token}))
        assert opened["statusCode"] == 200, opened
        polled = stack.invoke("ws-default", _socket_event(lab_socket, body=json.dumps({"action": "poll"})))
        assert polled["statusCode"] == 200 and json.loads(polled["body"])["sent"] >= 1, polled
        stack.fire_schedule("discovery")  # progress is pushed to the tenant's socket
        # the experiment runs again (a dry run): switch-step pushes each step to the lab socket
        payload = {"experiment_id": world.experiment_id, "instance_id": world.instance_ids[1],
                   "role_arn": world.role_arn, "region": "us-east-1", "poll_seconds": 0, "dry_run": True}
        stack.wait_execution(stack.start_execution("live-switch", payload, name=f"{world.experiment_id}-pushed"))
        logs_socket = f"conn-{uuid.uuid4().hex[:8]}"
        opened = stack.invoke("ws-connect", _socket_event(
            logs_socket, queryStringParameters={"stream": "logs", "token": world.admin_token}))
        assert opened["statusCode"] == 200, opened
        forwarded = stack.invoke("stream-logs", _log_batch({"level": "INFO", "message": "scan",
                                                            "component_id": "WORK-DISC-01"}))
        assert forwarded == {"published": 1}, forwarded
        for connection in (tenant_socket, lab_socket, logs_socket):
            assert stack.invoke("ws-disconnect", _socket_event(connection))["statusCode"] == 200
    finally:
        os.environ.pop("SPOTHIVE_WEBSOCKET_ENDPOINT", None)
        rebuild()


def run_all(stack: LocalStack) -> World:
    """Every scenario in an order where each finds what it needs."""
    world = auth(stack)
    connect(stack, world)
    clusters(stack, world)
    config(stack, world)
    audit(stack, world)
    # graduating hot-swaps the model the risk step and the endpoint serve: they load it from the bucket
    admin(stack, world)
    workers(stack, world)
    streams(stack, world)
    return world
