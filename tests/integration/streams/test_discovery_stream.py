"""``/api/connect/stream``: discovery progress per account, over the local WebSocket and the polling GET."""

from __future__ import annotations

import uuid

import pytest
from starlette.websockets import WebSocketDisconnect

from spothive.local.demo_customer import seed_customer
from tests.integration.slice.helpers import Tenant, api, signup
from tests.integration.streams.conftest import assert_schema

pytestmark = pytest.mark.integration


def _aws_account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "2")


def _protocols(tenant: Tenant) -> list[str]:
    return ["spothive.v1", f"bearer.{tenant.token}"]


def _link_and_scan(client, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    customer = seed_customer(_aws_account(), cluster_name="stream-east")
    client.post("/api/connect/link", headers=tenant.headers)
    verified = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": tenant.account_id, "role_arn": customer.role_arn})
    assert verified.status_code == 200, verified.text


def test_socket_replays_the_scan_in_order_then_polling_resumes_after_a_cursor(quick_streams) -> None:
    # Given a tenant whose account was just verified (the first scan runs at once, over two regions)
    client = api()
    tenant = signup(client)
    _link_and_scan(client, tenant)
    # When it opens the stream with its token as the subprotocol
    with client.websocket_connect(f"/api/connect/stream?account_id={tenant.account_id}",
                                  subprotocols=_protocols(tenant)) as socket:
        assert socket.accepted_subprotocol == "spothive.v1"
        received = [socket.receive_json() for _ in range(4)]
    # Then it receives start, one message per region and the finish, in order, with the counts found
    assert [m["type"] for m in received] == ["scan.started", "scan.region", "scan.region", "scan.finished"]
    assert [m["data"]["regions_scanned"] for m in received] == [0, 1, 2, 2]
    assert [m["data"].get("region") for m in received[1:3]] == ["us-east-1", "eu-west-1"]
    assert received[1]["data"]["clusters_found"] == 1 and received[1]["data"]["instances_found"] == 22
    finished = received[3]["data"]
    assert (finished["clusters_found"], finished["instances_found"], finished["added"], finished["removed"]) == (
        1, 22, 22, 0)
    assert {m["stream"] for m in received} == {f"discovery:{tenant.org_id}"}
    assert_schema(received)
    assert {m["data"]["account_id"] for m in received} == {tenant.account_id}
    # And the polling fallback returns the same messages, and only the later ones after a cursor
    page = client.get("/api/connect/stream", headers=tenant.headers).json()
    assert page["messages"] == received and page["cursor"] == received[-1]["cursor"]
    after = client.get("/api/connect/stream", headers=tenant.headers,
                       params={"cursor": received[1]["cursor"]}).json()
    assert after["messages"] == received[2:]
    empty = client.get("/api/connect/stream", headers=tenant.headers, params={"cursor": page["cursor"]}).json()
    assert empty == {"messages": [], "cursor": page["cursor"], "done": False}


def test_a_live_socket_receives_a_rescan_as_it_happens(quick_streams) -> None:
    from tests.support.wired import wired

    client = api()
    tenant = signup(client)
    _link_and_scan(client, tenant)
    last = client.get("/api/connect/stream", headers=tenant.headers).json()["cursor"]
    with client.websocket_connect(f"/api/connect/stream?token={tenant.token}&cursor={last}") as socket:
        wired().discovery.scan_one(tenant.org_id, tenant.account_id)
        again = [socket.receive_json() for _ in range(4)]
    assert [m["type"] for m in again] == ["scan.started", "scan.region", "scan.region", "scan.finished"]
    assert again[3]["data"]["added"] == 0 and again[3]["data"]["instances_found"] == 22


def test_another_tenant_sees_none_of_it(quick_streams) -> None:
    client = api()
    owner, other = signup(client), signup(client)
    _link_and_scan(client, owner)
    assert client.get("/api/connect/stream", headers=other.headers).json()["messages"] == []
    mine = client.get("/api/connect/stream", headers=other.headers, params={"account_id": owner.account_id})
    assert mine.status_code == 404 and mine.json()["error"]["field"] == "account_id"
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            f"/api/connect/stream?account_id={owner.account_id}", subprotocols=_protocols(other)) as socket:
        socket.receive_json()
    assert refused.value.code == 4404


@pytest.mark.parametrize("offered", [[], ["spothive.v1"], ["spothive.v1", "bearer.not-a-jwt"]])
def test_no_valid_token_is_closed_with_4401(quick_streams, offered: list[str]) -> None:
    client = api()
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            "/api/connect/stream", subprotocols=offered) as socket:
        socket.receive_json()
    assert refused.value.code == 4401
    assert client.get("/api/connect/stream").status_code == 401


def test_a_bad_cursor_is_a_422_naming_it(quick_streams) -> None:
    client = api()
    tenant = signup(client)
    response = client.get("/api/connect/stream", headers=tenant.headers, params={"cursor": "yesterday"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "cursor"
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
            "/api/connect/stream?cursor=yesterday", subprotocols=_protocols(tenant)) as socket:
        socket.receive_json()
    assert refused.value.code == 4422
