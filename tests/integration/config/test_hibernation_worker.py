"""The hibernation worker against the emulator: EKS node groups scaled to zero and restored, SAFE_MODE."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest

from functions import worker_hibernation
from spothive.adapters.cache.safe_mode import SAFE_MODE_KEY
from spothive.local.demo_customer import customer_session, seed_customer
from tests.integration.config.helpers import last_audit
from tests.integration.slice.helpers import Tenant, api, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration

ASLEEP_ALWAYS = [0] * 168


def _linked_cluster(client) -> tuple[Tenant, str, Any, str]:  # type: ignore[no-untyped-def]
    """A tenant whose verified account has a discovered EKS cluster with node group ``general``."""
    aws_id = str(uuid.uuid4().int)[:12].rjust(12, "1")
    name = f"hib-{uuid.uuid4().hex[:6]}"
    seed_customer(aws_id, cluster_name=name, nodes=(("m5.large", "on-demand", "a"),), extra_standalone=0)
    tenant = signup(client)
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": link["account_id"], "role_arn": f"arn:aws:iam::{aws_id}:role/SpotHiveAccess"})
    assert verified.json()["status"] == "active", verified.text
    cluster = next(c for c in client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"])
    eks = customer_session(aws_id).client("eks", region_name="us-east-1")
    return tenant, cluster["cluster_id"], eks, name


def _scaling(eks: Any, name: str) -> dict[str, int]:
    return eks.describe_nodegroup(clusterName=name, nodegroupName="general")["nodegroup"]["scalingConfig"]


def _state(org_id: str, cluster_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("it-hibernation-schedules")
    return table.get_item(Key={"org_id": org_id, "cluster_id": cluster_id})["Item"]


def test_worker_sleeps_then_wakes_on_override(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id, eks, name = _linked_cluster(client)
    eks.update_nodegroup_config(clusterName=name, nodegroupName="general",
                                scalingConfig={"minSize": 2, "maxSize": 6, "desiredSize": 3})
    # Given a schedule that is asleep all week
    saved = client.post("/api/hibernation/schedule", headers=tenant.headers,
                        json={"cluster_id": cluster_id, "schedule_matrix": ASLEEP_ALWAYS, "timezone": "UTC"})
    assert saved.status_code == 200, saved.text
    key = f"{tenant.org_id}/{cluster_id}"
    # When the worker runs
    result = worker_hibernation.handler({})
    # Then the node group is scaled to zero, keeping its maximum
    assert f"{key}:asleep" in result["transitions"]
    assert _scaling(eks, name) == {"minSize": 0, "maxSize": 6, "desiredSize": 0}
    state = _state(tenant.org_id, cluster_id)
    assert (state["desired_state"], state["applied_state"]) == ("asleep", "asleep")
    # And the decision is audited by the system actor with the sizes to restore
    record = last_audit(tenant.org_id, "hibernation.sleep")
    assert record.actor == "system:hibernation"
    assert record.before == {"state": "awake"}
    assert record.after["nodegroups"] == {"general": {"min": 2, "max": 6, "desired": 3}}  # type: ignore[index]
    assert record.after["dry_run"] is False  # type: ignore[index]
    # When the worker runs again, nothing changes
    again = worker_hibernation.handler({})
    assert not [t for t in again["transitions"] if t.startswith(key)]
    # When a manual wake is requested and the worker runs
    woke = client.post("/api/hibernation/override", headers=tenant.headers,
                       json={"cluster_id": cluster_id, "duration_minutes": 60})
    assert woke.json()["awake_now"] is True
    result = worker_hibernation.handler({})
    # Then the saved sizes are restored
    assert f"{key}:awake" in result["transitions"]
    assert _scaling(eks, name) == {"minSize": 2, "maxSize": 6, "desiredSize": 3}
    record = last_audit(tenant.org_id, "hibernation.wake")
    assert (record.actor, record.reason) == ("system:hibernation", "manual wake override")
    assert record.before == {"state": "asleep"}


def test_safe_mode_records_a_dry_run_and_leaves_aws_alone(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id, eks, name = _linked_cluster(client)
    before = _scaling(eks, name)
    client.post("/api/hibernation/schedule", headers=tenant.headers,
                json={"cluster_id": cluster_id, "schedule_matrix": ASLEEP_ALWAYS, "timezone": "Asia/Kathmandu"})
    redis = wired().redis
    redis.set(SAFE_MODE_KEY, "TRUE")
    try:
        result = worker_hibernation.handler({})
    finally:
        redis.delete(SAFE_MODE_KEY)
    key = f"{tenant.org_id}/{cluster_id}"
    assert f"{key}:dry_run" in result["transitions"]
    assert _scaling(eks, name) == before
    record = last_audit(tenant.org_id, "hibernation.sleep")
    assert record.actor == "system:hibernation"
    assert record.after["dry_run"] is True  # type: ignore[index]
    assert "SAFE_MODE" in (record.reason or "")
    assert _state(tenant.org_id, cluster_id)["applied_state"] == "dry_run"
    # And with SAFE_MODE off the decision is not repeated (the cluster stays as it is until the next transition)
    result = worker_hibernation.handler({})
    assert not [t for t in result["transitions"] if t.startswith(key)]
    assert _scaling(eks, name) == before
