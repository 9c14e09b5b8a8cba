"""No 500 on any input: each input that once answered a 500 (or a misleading 422) now answers the one
JSON error body with the request id, naming the field."""

from __future__ import annotations

import os
import socket

import pytest
from fastapi.testclient import TestClient

from spothive import wiring
from spothive.api.app import create_app
from tests.integration.config.helpers import add_cluster
from tests.integration.slice.helpers import Tenant, signup
from tests.support.wired import wired

pytestmark = pytest.mark.integration

MATRIX = [1] * 168


@pytest.fixture
def client(hub: dict[str, str]) -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


@pytest.fixture
def tenant(client: TestClient) -> Tenant:
    return signup(client)


def _assert_error(response, status: int, code: str, field: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["request_id"] and error["request_id"] == response.headers["X-Request-Id"]
    return error


@pytest.mark.parametrize("zone", ["Europe", "America", "Etc"])
def test_a_tzdata_folder_as_time_zone_is_a_422_on_both_routes(client: TestClient, tenant: Tenant, zone: str) -> None:
    cluster_id = add_cluster(tenant.org_id)

    saved = client.post("/api/hibernation/schedule", headers=tenant.headers,
                        json={"cluster_id": cluster_id, "schedule_matrix": MATRIX, "timezone": zone})
    patched = client.patch("/api/hibernation/tz", headers=tenant.headers,
                           json={"cluster_id": cluster_id, "timezone": zone})

    _assert_error(saved, 422, "invalid_input", "timezone")
    _assert_error(patched, 422, "invalid_input", "timezone")


def test_a_blank_template_id_is_a_422_naming_it(client: TestClient, tenant: Tenant) -> None:
    cluster_id = add_cluster(tenant.org_id)

    response = client.patch("/api/policies/template", headers=tenant.headers,
                            json={"cluster_id": cluster_id, "expected_version": 0, "template_id": ""})

    _assert_error(response, 422, "invalid_input", "template_id")


def test_binding_on_another_tenants_cluster_is_a_404_for_the_cluster_whatever_the_template(
    client: TestClient, tenant: Tenant,
) -> None:
    """The ownership check runs before the template lookup, so nothing about templates leaks."""
    other = signup(client)
    theirs = add_cluster(other.org_id)

    response = client.patch("/api/policies/template", headers=tenant.headers,
                            json={"cluster_id": theirs, "expected_version": 0, "template_id": "tpl-nope"})

    _assert_error(response, 404, "not_found", "cluster_id")


def test_malformed_json_names_the_body_not_a_byte_offset(client: TestClient, tenant: Tenant) -> None:
    response = client.post("/api/templates", headers={**tenant.headers, "Content-Type": "application/json"},
                           content=b'{"name": oops}')

    error = _assert_error(response, 422, "invalid_input", "body")
    assert "not valid JSON" in error["message"]


def test_a_date_time_query_takes_no_number(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/api/audit/export", headers=tenant.headers, params={"to": "0.5"})

    _assert_error(response, 422, "invalid_input", "to")


def test_an_unexpected_failure_is_a_json_500_with_the_request_id(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(type(wired().templates), "list_templates", broken)

    response = client.get("/api/templates", headers={**tenant.headers, "X-Request-Id": "req-12345678"})

    error = _assert_error(response, 500, "internal_error", None)
    assert error["request_id"] == "req-12345678"
    assert "disk on fire" not in response.text


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    first, second = client.get("/api/health"), client.get("/api/health")

    assert len(first.headers["X-Request-Id"]) >= 8
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_heartbeat_with_redis_down_is_a_503_to_retry(client: TestClient, tenant: Tenant) -> None:
    cluster_id = add_cluster(tenant.org_id)
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    url = os.environ["SPOTHIVE_REDIS_URL"]
    try:
        os.environ["SPOTHIVE_REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
        wiring.reset()
        response = client.post("/api/agent/heartbeat", headers={"Authorization": f"Bearer {token}"})
    finally:
        os.environ["SPOTHIVE_REDIS_URL"] = url
        wiring.reset()

    _assert_error(response, 503, "service_unavailable", None)
    assert int(response.headers["Retry-After"]) > 0
