"""No request path and no worker uses a DynamoDB Scan: every read is a GetItem or a Query on a key."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import botocore.client
import pytest

from spothive.local.demo_customer import seed_customer
from tests.integration.slice.helpers import PASSWORD, api, signup
from tests.integration.slice.test_connect_discovery import _aws_account
from tests.support.wired import wired

pytestmark = pytest.mark.integration


@contextmanager
def dynamodb_operations() -> Iterator[list[str]]:
    """Record the name of every DynamoDB operation any thread makes inside the block."""
    seen: list[str] = []
    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if self.meta.service_model.service_name == "dynamodb":
            with lock:
                seen.append(operation_name)
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def test_the_whole_journey_reads_by_key_only(isolated_tables: str) -> None:
    customer = seed_customer(_aws_account(), cluster_name="journey")
    client = api()
    with dynamodb_operations() as ops:
        tenant = signup(client)
        client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD})
        client.get("/api/auth/me", headers=tenant.headers)
        account_id = client.post("/api/connect/link", headers=tenant.headers).json()["account_id"]
        client.post("/api/connect/verify", headers=tenant.headers,
                    json={"account_id": account_id, "role_arn": customer.role_arn})
        client.get("/api/connect/accounts", headers=tenant.headers)
        cluster_id = client.get("/api/client/clusters", headers=tenant.headers).json()["clusters"][0]["cluster_id"]
        client.get(f"/api/clusters/{cluster_id}", headers=tenant.headers)
        client.get("/api/metrics/kpi", headers=tenant.headers)
        client.get(f"/api/metrics/projection?cluster_id={cluster_id}", headers=tenant.headers)
        token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()
        client.post("/api/agent/heartbeat", headers={"Authorization": f"Bearer {token['token']}"})
        client.get(f"/api/clusters/{cluster_id}/verify", headers=tenant.headers)
        # configuration: templates, policies, hibernation
        template = client.post("/api/templates", headers=tenant.headers, json={
            "name": "general", "families": ["m5", "c6g"], "architectures": ["amd64", "arm64"]}).json()
        client.patch(f"/api/templates/{template['template_id']}/default", headers=tenant.headers)
        client.get("/api/templates", headers=tenant.headers)
        client.post("/api/templates/validate", headers=tenant.headers,
                    json={"families": ["g4dn"], "architectures": ["arm64"]})
        policy = client.get(f"/api/policies/{cluster_id}", headers=tenant.headers).json()
        client.patch("/api/policies/binpack", headers=tenant.headers,
                     json={"cluster_id": cluster_id, "aggressiveness": 60, "expected_version": policy["version"]})
        client.post("/api/hibernation/schedule", headers=tenant.headers, json={
            "cluster_id": cluster_id, "schedule_matrix": [1] * 168, "timezone": "Europe/Berlin"})
        client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers)
        # the ledger, the feed and an optimization job
        client.get("/api/audit", headers=tenant.headers)
        client.get("/api/audit/verify", headers=tenant.headers)
        client.get("/api/activity/live", headers=tenant.headers)
        # workers
        services = wired()
        services.discovery.scan_all()
        services.hibernation_worker.tick()
        client.post("/api/auth/logout", headers=tenant.headers)
    assert "Query" in ops and "GetItem" in ops and "TransactWriteItems" in ops
    assert "Scan" not in ops
