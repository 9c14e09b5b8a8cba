"""Model registry, sandboxed validator and hot swap, end to end (moto S3 + DynamoDB + Cognito, real Redis)."""

from __future__ import annotations

import os
import pickle
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from spothive import wiring
from spothive.adapters.cache.model_events import ModelEventListener
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.commands.admin import create_super_admin
from spothive.contracts.risk_v1 import RiskInput
from spothive.services.risk_heuristic import FallbackRiskModel
from tests.integration.slice.helpers import PASSWORD, api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def _train(invert: bool = False, rounds: int = 15) -> bytes:
    import lightgbm as lgb

    from spothive_models.features import FEATURE_NAMES
    from spothive_models.validate_holdout import load

    features, labels = load()
    target = 1.0 - labels if invert else labels
    params = {"objective": "binary", "num_leaves": 7, "learning_rate": 0.2, "min_data_in_leaf": 10,
              "verbosity": -1, "num_threads": 1, "seed": 7, "deterministic": True}
    booster = lgb.train(params, lgb.Dataset(features, label=target, feature_name=list(FEATURE_NAMES)), rounds)
    return booster.model_to_string().encode()


@pytest.fixture(scope="module")
def lab(hub: dict[str, str]) -> Iterator[dict[str, Any]]:
    bucket = f"it-models-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    previous = os.environ.get("SPOTHIVE_MODEL_BUCKET")
    os.environ["SPOTHIVE_MODEL_BUCKET"] = bucket
    wiring.reset()
    email = f"root-{uuid.uuid4().hex[:8]}@spothive.io"
    create_super_admin(email, PASSWORD)
    client = api()
    token = client.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["jwt_token"]
    yield {"client": client, "bucket": bucket, "admin": {"Authorization": f"Bearer {token}"}}
    if previous is None:
        os.environ.pop("SPOTHIVE_MODEL_BUCKET", None)
    else:
        os.environ["SPOTHIVE_MODEL_BUCKET"] = previous
    wiring.reset()


def _objects(bucket: str) -> list[str]:
    listing = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listing.get("Contents", [])]


def _models(lab: dict[str, Any]) -> list[dict]:
    response = lab["client"].get("/api/admin/models", headers=lab["admin"])
    assert response.status_code == 200, response.text
    return response.json()["models"]


def _upload(lab: dict[str, Any], data: bytes, version: str | None = None, name: str = "model.txt") -> Any:
    form = {"version": version} if version else {}
    return lab["client"].post("/api/admin/models/upload", headers=lab["admin"],
                              files={"file": (name, data, "application/octet-stream")}, data=form)


class Evil:
    def __reduce__(self) -> tuple:
        return (os.system, ("touch /tmp/spothive-pwned",))


@pytest.mark.parametrize("payload", [pickle.dumps(Evil(), protocol=p) for p in (0, 2, 5)] +
                         [pickle.dumps({"weights": [1.0]}, protocol=4)], ids=["p0", "p2", "p5", "dict"])
def test_pickle_upload_is_refused_and_nothing_is_stored(lab: dict[str, Any], payload: bytes) -> None:
    before_objects, before_models = _objects(lab["bucket"]), _models(lab)
    response = _upload(lab, payload, name="model.pkl")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "file"
    assert "pickle" in response.json()["error"]["message"]
    assert _objects(lab["bucket"]) == before_objects and _models(lab) == before_models
    assert not os.path.exists("/tmp/spothive-pwned")


def test_garbage_upload_is_refused(lab: dict[str, Any]) -> None:
    before = _objects(lab["bucket"])
    for junk in (b"", b"\x00\x01binary\xff", b"hello world", b'{"format": "onnx"}'):
        response = _upload(lab, junk)
        assert response.status_code == 422, junk
        assert response.json()["error"]["field"] == "file"
    assert _objects(lab["bucket"]) == before


def test_valid_model_becomes_candidate(lab: dict[str, Any]) -> None:
    response = _upload(lab, _train(), version="tiny-1")
    assert response.status_code == 201, response.text
    model = response.json()["model"]
    assert model["status"] == "candidate" and model["version"] == "tiny-1"
    assert model["metrics"]["holdout_auc"] >= 0.75 and model["metrics"]["contract_vectors"] == 3
    assert model["s3_key"] in _objects(lab["bucket"])
    listed = lab["client"].get("/api/admin/models?status=candidate", headers=lab["admin"]).json()["models"]
    assert model["model_id"] in [m["model_id"] for m in listed]


def test_model_below_the_quality_bar_is_rejected_with_reason(lab: dict[str, Any]) -> None:
    response = _upload(lab, _train(invert=True), version="inverted")
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "model_rejected" and body["error"]["field"] == "file"
    assert "AUC" in body["model"]["reason"] and body["model"]["status"] == "rejected"
    assert body["model"]["s3_key"] == ""
    assert all(body["model"]["model_id"] not in key for key in _objects(lab["bucket"]))
    rejected = lab["client"].get("/api/admin/models?status=rejected", headers=lab["admin"]).json()["models"]
    assert body["model"]["model_id"] in [m["model_id"] for m in rejected]


def test_wrong_features_are_rejected_before_loading(lab: dict[str, Any]) -> None:
    from spothive_models.features import FEATURE_NAMES

    text = _train().decode().replace(f"feature_names={FEATURE_NAMES[0]}", "feature_names=bucket_x", 1)
    response = _upload(lab, text.encode())
    assert response.status_code == 422 and "feature_names" in response.json()["model"]["reason"]


def test_graduate_hot_swaps_every_warm_consumer_and_rollback_restores(lab: dict[str, Any]) -> None:
    client, admin = lab["client"], lab["admin"]
    first = _upload(lab, _train(rounds=10), version=f"v-a-{uuid.uuid4().hex[:4]}").json()["model"]
    second = _upload(lab, _train(rounds=12), version=f"v-b-{uuid.uuid4().hex[:4]}").json()["model"]
    services = wired()
    holder = services.hot_swappable(FallbackRiskModel(None), listen=False)
    listener = ModelEventListener(services.redis, holder.on_production).start()
    try:
        response = client.post("/api/lab/graduate", headers=admin, json={"model_id": first["model_id"]})
        assert response.status_code == 200, response.text
        assert response.json()["success"] and response.json()["model"]["status"] == "production"
        assert response.json()["notified_consumers"] >= 1
        _wait(lambda: holder.version == first["version"])
        vector = RiskInput.model_validate({"contract_version": "v1.0", "features": {
            "instance_type": "c5.xlarge", "availability_zone": "us-east-1a", "spot_price_history": [0.05],
            "hour_of_day": 1, "day_of_week": 1}})
        assert holder.predict([vector])[0].source == f"model:{first['version']}"
        # When a second candidate graduates, the first is retired and the consumers swap again
        assert client.post("/api/lab/graduate", headers=admin, json={"model_id": second["model_id"]}).json()[
            "retired"] == [first["model_id"]]
        _wait(lambda: holder.version == second["version"])
        statuses = {m["model_id"]: m["status"] for m in _models(lab)}
        assert statuses[first["model_id"]] == "retired" and statuses[second["model_id"]] == "production"
        # And a rollback brings the retired one back
        back = client.post("/api/lab/rollback", headers=admin, json={"model_id": first["model_id"]})
        assert back.status_code == 200 and back.json()["retired"] == [second["model_id"]]
        _wait(lambda: holder.version == first["version"])
    finally:
        listener.stop()
    # And every admin action is in the platform ledger
    actions = [r.action for r in AuditStore("us-east-1", os.environ["AWS_ENDPOINT_URL"], lambda: None).records(
        "platform") if r.resource_id in (first["model_id"], second["model_id"])]  # type: ignore[arg-type]
    assert actions.count("model.upload") == 2 and actions.count("model.graduate") == 2
    assert "model.rollback" in actions


def _wait(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "consumer did not swap in time"
        time.sleep(0.02)


def test_lifecycle_conflicts_and_bad_input(lab: dict[str, Any]) -> None:
    client, admin = lab["client"], lab["admin"]
    rejected = _upload(lab, _train(invert=True)).json()["model"]
    assert client.post("/api/lab/graduate", headers=admin, json={"model_id": rejected["model_id"]}).status_code == 409
    missing = client.post("/api/lab/graduate", headers=admin, json={"model_id": "mdl-nope"})
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "model_id"
    bad = client.post("/api/lab/graduate", headers=admin, json={})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "model_id"
    status = client.get("/api/admin/models?status=bogus", headers=admin)
    assert status.status_code == 422 and status.json()["error"]["field"] == "status"
    version = _upload(lab, _train(), version="bad version!")
    assert version.status_code == 422 and version.json()["error"]["field"] == "version"


def test_non_admin_gets_403_and_no_token_401(lab: dict[str, Any]) -> None:
    client = lab["client"]
    tenant = signup(client)
    files = {"file": ("m.txt", b"tree\n", "text/plain")}
    assert client.post("/api/admin/models/upload", headers=tenant.headers, files=files).status_code == 403
    assert client.get("/api/admin/models", headers=tenant.headers).status_code == 403
    assert client.post("/api/lab/graduate", headers=tenant.headers, json={"model_id": "x"}).status_code == 403
    assert client.post("/api/admin/models/upload", files=files).status_code == 401
    assert client.get("/api/admin/models").status_code == 401
    assert client.post("/api/lab/rollback").status_code == 401
