"""``/api/lab`` end to end on the embedded stack: a super admin starts the live switch of a linked tenant's
instance and reads its telemetry (so may the tenant, no other org); an A/B test tags two instances and
routes each one's predictions to its model, and stopping it removes the tags; every admin endpoint refuses a
missing token (401), a tenant (403) and a bad body (422 naming the field)."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime

import pytest

from spothive import wiring
from spothive.commands.admin import create_super_admin
from spothive.domain.audit import AuditEntry
from spothive.domain.model_registry import ModelRecord, ModelStatus
from spothive.local.demo_customer import customer_session
from spothive_models.artifact import DEFAULT_ARTIFACT_DIR
from tests.integration.slice.helpers import PASSWORD, signup

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(client):  # type: ignore[no-untyped-def]
    email = f"root-{uuid.uuid4().hex[:8]}@spothive.io"
    create_super_admin(email, PASSWORD)
    token = client.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["jwt_token"]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def fast_polls(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTHIVE_LIVE_SWITCH_POLL_SECONDS", "0")
    wiring.reset()
    yield
    monkeypatch.delenv("SPOTHIVE_LIVE_SWITCH_POLL_SECONDS")
    wiring.reset()


def wait_for(client, headers, experiment_id, timeout=60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/lab/experiments/{experiment_id}", headers=headers).json()
        if body["status"] not in ("starting", "running") or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def aws_account(linked) -> str:  # type: ignore[no-untyped-def]
    from spothive.wiring import accounts

    account = accounts.tenancy().get_account(linked.tenant.org_id, linked.tenant.account_id)
    return str(account.aws_account_id)


def test_a_super_admin_switches_a_tenants_instance_and_reads_each_step(client, linked, admin, fast_polls):
    # Given a tenant's discovered On-Demand node
    instance_id = linked.node_ids[0]

    # When a super admin starts the live switch
    started = client.post("/api/lab/live-switch", headers=admin,
                          json={"org_id": linked.tenant.org_id, "instance_id": instance_id})

    # Then it is accepted and the experiment can be followed until it switched
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "starting"
    record = wait_for(client, admin, started.json()["experiment_id"])
    assert record["status"] == "switched", record["telemetry"].get("error")
    telemetry = record["telemetry"]
    assert [s["step"] for s in telemetry["steps"]] == [
        "prepare", "stop", "check_stopped", "detach_volumes", "check_detached", "launch_spot", "check_running",
        "attach_volumes", "verify"]
    assert telemetry["price_before"] == 0.192 and 0 < telemetry["price_after"] < 0.192
    ec2 = customer_session(aws_account(linked)).client("ec2", region_name="us-east-1")
    spot = ec2.describe_instances(InstanceIds=[record["spot_instance_id"]])["Reservations"][0]["Instances"][0]
    assert (spot["State"]["Name"], spot["InstanceLifecycle"]) == ("running", "spot")


def test_live_switch_and_experiment_refuse_no_token_a_tenant_and_bad_bodies(client, linked, admin):
    body = {"org_id": linked.tenant.org_id, "instance_id": linked.node_ids[0]}
    assert client.post("/api/lab/live-switch", json=body).status_code == 401
    assert client.post("/api/lab/live-switch", headers=linked.tenant.headers, json=body).status_code == 403
    assert client.get("/api/lab/experiments/exp-x").status_code == 401
    # a tenant may read its own org's experiments: one it has no such record of is absent
    assert client.get("/api/lab/experiments/exp-x", headers=linked.tenant.headers).status_code == 404
    missing = client.get("/api/lab/experiments/exp-nope", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "experiment_id"
    other = signup(client, "Other")
    cases = [
        ({**body, "instance_id": "web-1"}, "instance_id"),
        ({"instance_id": linked.node_ids[0]}, "org_id"),
        ({**body, "dry_run": "maybe"}, "dry_run"),
        ({**body, "color": "red"}, "color"),
        ({**body, "org_id": other.org_id}, "instance_id"),  # not that org's instance
        ({**body, "instance_id": linked.node_ids[2]}, "instance_id"),  # already on Spot
    ]
    for bad, field in cases:
        response = client.post("/api/lab/live-switch", headers=admin, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["error"]["field"] == field, bad


def register(version: str) -> str:
    """A candidate model in the registry with its bytes in the model bucket (the shipped artifact's)."""
    data = (DEFAULT_ARTIFACT_DIR / "model.txt").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    model_id = f"mdl-{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    record = ModelRecord(model_id, version, ModelStatus.CANDIDATE, digest, len(data), "lightgbm-text",
                         f"models/{model_id}/{digest}.txt", "admin:test", now, now)
    from spothive.wiring import lab as lab_wiring
    from spothive.wiring import risk

    risk.model_store().put(record.s3_key, data, digest)
    lab_wiring.model_registry().create(record, AuditEntry("admin:test", "model.upload", "model", model_id))
    return model_id


def test_an_ab_test_tags_both_instances_and_each_model_scores_only_its_own(client, linked, admin, stack):
    model_a, model_b = register(f"a-{uuid.uuid4().hex[:4]}"), register(f"b-{uuid.uuid4().hex[:4]}")
    instance_a, instance_b = linked.node_ids[0], linked.node_ids[1]

    response = client.post("/api/lab/parallel", headers=admin, json={
        "org_id": linked.tenant.org_id, "instance_a": instance_a, "model_a": model_a,
        "instance_b": instance_b, "model_b": model_b})

    # Then each instance carries its model's routing tag in the customer's account
    assert response.status_code == 201, response.text
    ec2 = customer_session(aws_account(linked)).client("ec2", region_name="us-east-1")
    for instance_id, model_id in ((instance_a, model_a), (instance_b, model_b)):
        raw = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        assert {t["Key"]: t["Value"] for t in raw["Tags"]}["spothive:model"] == model_id
    # And each instance's prediction came from its own model
    predictions = {p["instance_id"]: p for p in response.json()["predictions"]}
    assert (predictions[instance_a]["model_id"], predictions[instance_b]["model_id"]) == (model_a, model_b)
    assert predictions[instance_a]["model_version"] != predictions[instance_b]["model_version"]

    # When B's instance gets a Spot interruption warning
    stack.emit_spot_event(instance_b)
    results = client.get(f"/api/lab/parallel/{response.json()['test_id']}", headers=admin)

    # Then the results count it for B only, beside each model's predictions and calibration
    assert results.status_code == 200, results.text
    by_model = {m["model_id"]: m for m in results.json()["models"]}
    assert (by_model[model_a]["observed_interruptions"], by_model[model_b]["observed_interruptions"]) == (0, 1)
    assert by_model[model_a]["instance_id"] == instance_a and by_model[model_b]["instance_id"] == instance_b
    assert [p["model_version"] for p in by_model[model_b]["predictions"]] == [predictions[instance_b]["model_version"]]
    assert by_model[model_b]["calibration"]["observed_rate"] == 1.0
    assert by_model[model_a]["calibration"]["observed_rate"] == 0.0


def test_parallel_refuses_no_token_a_tenant_and_bad_bodies(client, linked, admin):
    body = {"org_id": linked.tenant.org_id, "instance_a": linked.node_ids[0], "model_a": "mdl-a",
            "instance_b": linked.node_ids[1], "model_b": "mdl-b"}
    assert client.post("/api/lab/parallel", json=body).status_code == 401
    assert client.post("/api/lab/parallel", headers=linked.tenant.headers, json=body).status_code == 403
    assert client.get("/api/lab/parallel/ab-x").status_code == 401
    assert client.get("/api/lab/parallel/ab-x", headers=linked.tenant.headers).status_code == 403
    assert client.get("/api/lab/parallel/ab-nope", headers=admin).status_code == 404
    cases = [({**body, "model_b": ""}, "model_b"), ({**body, "instance_a": "nope"}, "instance_a"),
             ({k: v for k, v in body.items() if k != "instance_b"}, "instance_b"),
             (body, "model_a"),  # no such model in the registry
             ({**body, "instance_b": body["instance_a"]}, "instance_b")]
    for bad, field in cases:
        response = client.post("/api/lab/parallel", headers=admin, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["error"]["field"] == field, bad


def test_stopping_an_ab_test_untags_both_instances_and_later_interruptions_no_longer_count(client, linked, admin,
                                                                                           stack):
    model_a, model_b = register(f"a-{uuid.uuid4().hex[:4]}"), register(f"b-{uuid.uuid4().hex[:4]}")
    instance_a, instance_b = linked.node_ids[0], linked.node_ids[1]
    test_id = client.post("/api/lab/parallel", headers=admin, json={
        "org_id": linked.tenant.org_id, "instance_a": instance_a, "model_a": model_a,
        "instance_b": instance_b, "model_b": model_b}).json()["test_id"]

    # When a super admin stops it
    stopped = client.post(f"/api/lab/parallel/{test_id}/stop", headers=admin)

    # Then both routing tags are gone from the customer's instances and from the inventory copy
    assert stopped.status_code == 200, stopped.text
    body = stopped.json()
    assert (body["status"], body["stopped_by"].startswith("user:")) == ("stopped", True)
    assert body["untagged"] == [{"instance_id": i, "account": "untagged", "inventory": True}
                                for i in (instance_a, instance_b)]
    ec2 = customer_session(aws_account(linked)).client("ec2", region_name="us-east-1")
    for instance_id in (instance_a, instance_b):
        raw = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
        assert "spothive:model" not in {t["Key"]: t["Value"] for t in raw.get("Tags", [])}
    from spothive.wiring import inventory

    tags = {s.instance.instance_id: s.instance.tags for s in inventory.repo().list_instances(linked.tenant.org_id)}
    assert "spothive:model" not in tags[instance_a] and "spothive:model" not in tags[instance_b]
    # And the tenant's own audit trail says who stopped it
    trail = client.get("/api/audit", headers=linked.tenant.headers,
                       params={"action": "lab.ab_test.stopped", "resource_id": test_id}).json()["logs"]
    assert len(trail) == 1 and trail[0]["actor"] == body["stopped_by"]

    # When B's instance is interrupted after the stop
    stack.emit_spot_event(instance_b)

    # Then it is not counted, and a second stop is a conflict
    results = client.get(f"/api/lab/parallel/{test_id}", headers=admin).json()
    assert results["status"] == "stopped" and results["stopped_at"] == body["stopped_at"]
    assert [m["observed_interruptions"] for m in results["models"]] == [0, 0]
    again = client.post(f"/api/lab/parallel/{test_id}/stop", headers=admin)
    assert (again.status_code, again.json()["error"]["field"]) == (409, "test_id")


def test_stop_refuses_no_token_a_tenant_an_unknown_test_and_a_bad_id(client, linked, admin):
    assert client.post("/api/lab/parallel/ab-x/stop").status_code == 401
    assert client.post("/api/lab/parallel/ab-x/stop", headers=linked.tenant.headers).status_code == 403
    missing = client.post("/api/lab/parallel/ab-nope/stop", headers=admin)
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "test_id")
    bad = client.post("/api/lab/parallel/bad id!/stop", headers=admin)
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "test_id")


def test_a_tenant_follows_its_own_orgs_experiment_and_never_another_orgs(client, linked, admin, fast_polls):
    # Given a super admin ran a dry-run switch of the tenant's instance
    started = client.post("/api/lab/live-switch", headers=admin, json={
        "org_id": linked.tenant.org_id, "instance_id": linked.node_ids[0], "dry_run": True}).json()
    experiment_id = started["experiment_id"]
    assert wait_for(client, admin, experiment_id)["status"] == "dry_run"

    # Then the tenant reads the experiment and its stream; the record names its org
    own = client.get(f"/api/lab/experiments/{experiment_id}", headers=linked.tenant.headers)
    assert own.status_code == 200 and own.json()["org_id"] == linked.tenant.org_id
    page = client.get(f"/api/lab/stream/{experiment_id}", headers=linked.tenant.headers).json()
    assert page["done"] is True and page["messages"][-1]["data"]["status"] == "dry_run"
    assert page["messages"][0]["data"]["step"] == "prepare"
    # And another org sees neither (as if it did not exist), nor does anyone without a token
    other = signup(client, "Other")
    for path in (f"/api/lab/experiments/{experiment_id}", f"/api/lab/stream/{experiment_id}"):
        hidden = client.get(path, headers=other.headers)
        assert hidden.status_code == 404, path
        assert client.get(path).status_code == 401
    assert client.get("/api/lab/experiments/bad id!", headers=linked.tenant.headers).json()["error"][
        "field"] == "experiment_id"
