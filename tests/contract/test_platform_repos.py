"""LabRepo, ModelRegistry, InterruptionRates, the durable TokenDenyList and the SnapshotStore: the
in-memory fakes and the AWS adapters (DynamoDB, S3) behave alike."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from spothive.adapters.aws.snapshot_store import S3SnapshotStore
from spothive.adapters.dynamo.interruption_rates import DynamoInterruptionRates
from spothive.adapters.dynamo.lab_repo import DynamoLabRepo
from spothive.adapters.dynamo.model_registry import DynamoModelRegistry
from spothive.adapters.dynamo.revoked_tokens import DynamoTokenDenyList
from spothive.domain.advisor_feed import RateChange
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.model_registry import ModelRecord, ModelStatus
from tests.support.fakes import (
    NOW,
    MemoryDenyList,
    MemoryInterruptionRates,
    MemoryLabRepo,
    MemoryModelRegistry,
    MemorySnapshotStore,
)


def real(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("tables")


@pytest.fixture
def lab(kind, request):  # type: ignore[no-untyped-def]
    if kind == "memory":
        return MemoryLabRepo()
    real(request)
    return DynamoLabRepo()


@pytest.fixture
def registry(kind, ledger):  # type: ignore[no-untyped-def]
    return MemoryModelRegistry(ledger) if kind == "memory" else DynamoModelRegistry(ledger)


@pytest.fixture
def rates(kind, request):  # type: ignore[no-untyped-def]
    if kind == "memory":
        return MemoryInterruptionRates()
    real(request)
    return DynamoInterruptionRates()


@pytest.fixture
def deny(kind, clock, request):  # type: ignore[no-untyped-def]
    if kind == "memory":
        return MemoryDenyList(clock)
    real(request)
    return DynamoTokenDenyList(clock.now)


@pytest.fixture
def snapshots(kind, request):  # type: ignore[no-untyped-def]
    if kind == "memory":
        return MemorySnapshotStore()
    real(request)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="spothive-data")
    return S3SnapshotStore("spothive-data", "us-east-1")


def test_an_experiment_round_trips_and_is_overwritten_whole(lab):
    lab.save("exp-1", {"created_at": NOW.isoformat(), "status": "running", "instance_id": "i-1",
                       "telemetry": {"steps": ["prepare"], "saving": 0.12}})
    lab.save("exp-1", {"created_at": NOW.isoformat(), "status": "done", "instance_id": "i-1",
                       "spot_instance_id": "i-2", "telemetry": {"steps": ["prepare", "verify"]}})

    assert lab.get("exp-1") == {
        "experiment_id": "exp-1", "model_id": "none", "created_at": NOW.isoformat(), "kind": "live-switch",
        "status": "done", "instance_id": "i-1", "spot_instance_id": "i-2", "org_id": None,
        "telemetry": {"steps": ["prepare", "verify"]}}
    assert lab.get("exp-2") is None


def test_an_experiment_keeps_its_org_and_a_conditional_save_needs_the_expected_status(lab):
    # Given a running experiment of org-a
    lab.save("ab-1", {"created_at": NOW.isoformat(), "status": "running", "kind": "ab-test", "org_id": "org-a"})

    # When one caller moves it from running to stopped, and a second tries the same
    lab.save("ab-1", {"created_at": NOW.isoformat(), "status": "stopped", "kind": "ab-test", "org_id": "org-a"},
             expect_status="running")
    with pytest.raises(Conflict) as lost:
        lab.save("ab-1", {"created_at": NOW.isoformat(), "status": "stopped", "kind": "ab-test",
                          "org_id": "org-a", "telemetry": {"second": True}}, expect_status="running")

    # Then the first write stands, with its org, and the second changed nothing
    assert lost.value.field == "status"
    stored = lab.get("ab-1")
    assert (stored["status"], stored["org_id"], stored["telemetry"]) == ("stopped", "org-a", {})
    with pytest.raises(Conflict):  # and an absent record is never created by a conditional save
        lab.save("ab-2", {"created_at": NOW.isoformat(), "status": "stopped"}, expect_status="running")
    assert lab.get("ab-2") is None


def model(model_id: str, version: str, status: ModelStatus = ModelStatus.CANDIDATE) -> ModelRecord:
    return ModelRecord(model_id, version, status, "a" * 64, 10, "lightgbm", f"models/{model_id}", "user:admin",
                       NOW, NOW, metrics={"auc": 0.81})


def test_registry_writes_hold_to_the_expected_status_and_swap_atomically(registry, ledger):
    audit = AuditEntry("user:admin", "model.upload", "model", "m")
    registry.create(model("m-2", "v2"), audit)
    registry.create(model("m-1", "v1", ModelStatus.PRODUCTION), audit)
    with pytest.raises(Conflict):
        registry.create(model("m-2", "v2"), audit)
    with pytest.raises(Conflict) as stale:
        registry.save(model("m-2", "v2", ModelStatus.RETIRED), expected=ModelStatus.VALIDATING)
    assert stale.value.field == "model_id"

    registry.swap(model("m-2", "v2", ModelStatus.PRODUCTION), [model("m-1", "v1", ModelStatus.RETIRED)],
                  AuditEntry("user:admin", "model.promote", "model", "m-2"))
    with pytest.raises(Conflict):  # m-1 is no longer production
        registry.swap(model("m-2", "v2", ModelStatus.PRODUCTION), [model("m-1", "v1", ModelStatus.RETIRED)],
                      AuditEntry("user:admin", "model.promote", "model", "m-2"))

    assert [m.model_id for m in registry.by_status(ModelStatus.PRODUCTION)] == ["m-2"]
    assert registry.get("m-1").status is ModelStatus.RETIRED
    assert registry.get("m-2").metrics == {"auc": 0.81}
    assert [r.action for r in ledger.records("platform")] == ["model.upload", "model.upload", "model.promote"]


def test_rates_keep_history_oldest_first_and_the_last_state(rates):
    pool = "us-east-1#Linux#c5.xlarge"
    rates.record("us-east-1", [RateChange(pool, None, (1, 60))], {"Linux#c5.xlarge": (1, 60)}, NOW)
    later = NOW + timedelta(hours=6)
    rates.record("us-east-1", [RateChange(pool, (1, 60), (3, 55))], {"Linux#c5.xlarge": (3, 55)}, later)

    assert rates.history(pool) == [(NOW, (1, 60)), (later, (3, 55))]
    assert rates.state("us-east-1") == {"Linux#c5.xlarge": (3, 55)}
    assert rates.state("eu-west-1") == {}
    assert rates.history("us-east-1#Linux#m5.large") == []
    # the state knows when it was stored: the previous state's forecast horizon is measured from it
    assert rates.since("us-east-1") == later.replace(microsecond=0)
    assert rates.since("eu-west-1") is None


def test_a_revocation_holds_until_it_expires_and_is_idempotent(deny, clock):
    until = NOW + timedelta(hours=1)
    deny.revoke("jti-1", until)
    deny.revoke("jti-1", until)

    assert deny.is_revoked("jti-1") is True
    assert deny.is_revoked("jti-2") is False
    clock.set(until)
    assert deny.is_revoked("jti-1") is False  # past its TTL: absent, though not yet deleted


def test_the_latest_snapshot_replaces_the_previous_one(snapshots):
    snapshots.save("org-1", "c-1", {"nodes": [{"name": "n-1"}], "pods": []})
    snapshots.save("org-1", "c-1", {"nodes": [], "pods": [{"name": "p-1"}]})

    assert snapshots.latest("org-1", "c-1") == {"nodes": [], "pods": [{"name": "p-1"}]}
    assert snapshots.latest("org-1", "c-2") is None
    assert snapshots.latest("org-2", "c-1") is None
