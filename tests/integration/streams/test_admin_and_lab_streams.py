"""``/api/admin/logs`` (super admins, by component) and ``/api/lab/stream/{id}`` (steps then status, in order)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from spothive.adapters.dynamo.lab_repo import DynamoLabRepo
from spothive.commands.admin import create_super_admin
from spothive.wiring import kernel
from spothive.wiring import streams as streams_wiring
from tests.integration.slice.helpers import PASSWORD, api, signup
from tests.integration.streams.conftest import assert_schema

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(quick_streams: dict[str, str]) -> Iterator[dict[str, Any]]:
    email = f"root-{uuid.uuid4().hex[:8]}@spothive.io"
    create_super_admin(email, PASSWORD)
    client = api()
    token = client.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["jwt_token"]
    handler = streams_wiring.install_log_stream("spothive.test_streams")
    yield {"client": client, "token": token, "headers": {"Authorization": f"Bearer {token}"}}
    logging.getLogger("spothive.test_streams").removeHandler(handler)


def _protocols(token: str) -> list[str]:
    return ["spothive.v1", f"bearer.{token}"]


def test_admin_follows_one_components_logs_in_order(admin: dict[str, Any]) -> None:
    client, log = admin["client"], logging.getLogger("spothive.test_streams")
    start = client.get("/api/admin/logs", headers=admin["headers"]).json()["cursor"]
    marker = uuid.uuid4().hex[:8]
    # Given structured records of two components
    log.info("scan %s a", marker, extra={"component_id": "WORK-DISC-01", "action": "scan", "result": "ok",
                                          "duration_ms": 120})
    log.info("price %s", marker, extra={"component_id": "SVC-PRICE-01", "action": "refresh", "result": "ok"})
    log.warning("scan %s b", marker, extra={"component_id": "WORK-DISC-01", "action": "scan", "result": "failed",
                                             "duration_ms": 9})
    # When the admin follows WORK-DISC-01 from before them
    with client.websocket_connect(f"/api/admin/logs?component_id=WORK-DISC-01&cursor={start}",
                                  subprotocols=_protocols(admin["token"])) as socket:
        got = [socket.receive_json() for _ in range(2)]
        # Then only that component's records arrive, in order, with their structured fields
        assert [m["data"]["message"] for m in got] == [f"scan {marker} a", f"scan {marker} b"]
        assert [(m["data"]["result"], m["data"]["duration_ms"], m["data"]["level"]) for m in got] == [
            ("ok", 120, "INFO"), ("failed", 9, "WARNING")]
        assert {m["type"] for m in got} == {"log"} and {m["stream"] for m in got} == {"logs:platform"}
        assert_schema(got)
        # And a record written while the socket is open arrives too
        log.error("scan %s c", marker, extra={"component_id": "WORK-DISC-01", "result": "failed"})
        assert socket.receive_json()["data"]["message"] == f"scan {marker} c"
    page = client.get("/api/admin/logs", headers=admin["headers"],
                      params={"cursor": start, "component_id": "SVC-PRICE-01"}).json()
    assert [m["data"]["message"] for m in page["messages"]] == [f"price {marker}"]


def test_a_client_is_refused_the_platform_logs(admin: dict[str, Any]) -> None:
    client = admin["client"]
    tenant = signup(client)
    assert client.get("/api/admin/logs", headers=tenant.headers).status_code == 403
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            "/api/admin/logs", subprotocols=_protocols(tenant.token)) as socket:
        socket.receive_json()
    assert refused.value.code == 4403
    with pytest.raises(WebSocketDisconnect) as anonymous, client.websocket_connect("/api/admin/logs") as socket:
        socket.receive_json()
    assert anonymous.value.code == 4401
    bad = client.get("/api/admin/logs", headers=admin["headers"], params={"component_id": "no spaces"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "component_id"


def _experiment(experiment_id: str, status: str, steps: list[dict[str, Any]], **telemetry: Any) -> dict[str, Any]:
    return {"experiment_id": experiment_id, "model_id": "none", "created_at": "2026-12-01T22:00:00.000+00:00",
            "kind": "live-switch", "status": status, "instance_id": "i-0abc",
            "telemetry": {"steps": steps, **telemetry}}


def _step(name: str, second: int, ms: int, result: str = "ok") -> dict[str, Any]:
    return {"step": name, "started_at": f"2026-12-01T22:00:{second:02d}.000+00:00", "duration_ms": ms,
            "result": result}


def test_lab_stream_sends_steps_then_status_changes_in_order(admin: dict[str, Any]) -> None:
    client = admin["client"]
    kernel.core()
    repo, experiment_id = DynamoLabRepo(), f"exp-{uuid.uuid4().hex[:8]}"
    # Given an experiment two steps in
    repo.save(experiment_id, _experiment(experiment_id, "running", [_step("prepare", 1, 40), _step("stop", 2, 900)]))
    with client.websocket_connect(f"/api/lab/stream/{experiment_id}",
                                  subprotocols=_protocols(admin["token"])) as socket:
        first = [socket.receive_json() for _ in range(3)]
        # Then the admin receives both steps then the status
        assert [(m["type"], m["data"].get("step") or m["data"].get("status")) for m in first] == [
            ("step", "prepare"), ("step", "stop"), ("status", "running")]
        assert [m["data"].get("duration_ms") for m in first[:2]] == [40, 900]
        assert_schema(first)
        # When the experiment records a step and then finishes
        repo.save(experiment_id, _experiment(experiment_id, "running",
                                             [_step("prepare", 1, 40), _step("stop", 2, 900), _step("launch_spot", 5, 3100)]))
        assert socket.receive_json()["data"]["step"] == "launch_spot"
        repo.save(experiment_id, _experiment(
            experiment_id, "switched", [_step("prepare", 1, 40), _step("stop", 2, 900), _step("launch_spot", 5, 3100),
                                        _step("verify", 9, 700)], price_before=0.192, price_after=0.0684))
        verify, status = socket.receive_json(), socket.receive_json()
        assert (verify["data"]["step"], verify["data"]["index"]) == ("verify", 3)
        assert status["data"] == {"status": "switched", "price_before": 0.192, "price_after": 0.0684, "steps": 4}
        # And the socket closes normally once the experiment has ended
        with pytest.raises(WebSocketDisconnect) as ended:
            socket.receive_json()
        assert ended.value.code == 1000
    # And the polling fallback gives the same messages after a cursor
    page = client.get(f"/api/lab/stream/{experiment_id}", headers=admin["headers"],
                      params={"cursor": first[1]["cursor"]}).json()
    assert [m["data"].get("step") or m["data"]["status"] for m in page["messages"]] == [
        "launch_spot", "verify", "switched"]
    assert page["done"] is True and page["cursor"] == "4:switched"


def test_lab_stream_is_checked_per_tenant(admin: dict[str, Any]) -> None:
    client = admin["client"]
    kernel.core()
    owner, other = signup(client), signup(client)
    repo, experiment_id = DynamoLabRepo(), f"exp-{uuid.uuid4().hex[:8]}"
    repo.save(experiment_id, _experiment(experiment_id, "running", [_step("prepare", 1, 40)]))
    for tenant in (owner, other):  # the record names no org: super admins only
        assert client.get(f"/api/lab/stream/{experiment_id}", headers=tenant.headers).status_code == 404
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            f"/api/lab/stream/{experiment_id}", subprotocols=_protocols(other.token)) as socket:
        socket.receive_json()
    assert refused.value.code == 4404
    assert client.get("/api/lab/stream/nope", headers=admin["headers"]).status_code == 404
    assert client.get(f"/api/lab/stream/{experiment_id}").status_code == 401


def test_a_tenant_follows_its_own_orgs_experiment_over_the_socket(admin: dict[str, Any]) -> None:
    client = admin["client"]
    kernel.core()
    owner, other = signup(client), signup(client)
    repo, experiment_id = DynamoLabRepo(), f"exp-{uuid.uuid4().hex[:8]}"
    # Given an experiment on the owner's org, finished after one step
    repo.save(experiment_id, {**_experiment(experiment_id, "dry_run", [_step("prepare", 1, 40)]),
                              "org_id": owner.org_id})

    # Then the owner's socket gets the step and the outcome and closes normally
    with client.websocket_connect(f"/api/lab/stream/{experiment_id}",
                                  subprotocols=_protocols(owner.token)) as socket:
        got = [socket.receive_json() for _ in range(2)]
        assert [(m["type"], m["data"].get("step") or m["data"].get("status")) for m in got] == [
            ("step", "prepare"), ("status", "dry_run")]
        with pytest.raises(WebSocketDisconnect) as ended:
            socket.receive_json()
        assert ended.value.code == 1000
    # And another org is refused as if the experiment did not exist
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            f"/api/lab/stream/{experiment_id}", subprotocols=_protocols(other.token)) as socket:
        socket.receive_json()
    assert refused.value.code == 4404
    assert client.get(f"/api/lab/stream/{experiment_id}", headers=other.headers).status_code == 404
