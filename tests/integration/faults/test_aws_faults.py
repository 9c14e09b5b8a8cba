"""AWS throttling and 5xx: DynamoDB answering as it does under load (the emulator's responses replaced,
on the wire, by DynamoDB's own throttling and InternalServerError bodies). A request retries what is
transient and, when the store keeps failing, answers a 503 to retry, never a 500.

(A Step Functions task failing, with its compensation and audit, is covered by
``tests/integration/local/test_workflows.py::test_failing_execute_compensates_audits_and_fails``.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint
from fastapi.testclient import TestClient

from spothive.api.app import create_app
from tests.integration.slice.helpers import Tenant, signup

pytestmark = pytest.mark.integration

THROTTLED = (400, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
             "The level of configured provisioned throughput for the table was exceeded.")
INTERNAL = (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: object, **__: object) -> Iterator[bytes]:
        yield self._body


@dataclass
class Faults:
    """Fail the next ``remaining`` DynamoDB calls on tables whose name contains ``table``."""

    table: str = "node-templates"
    remaining: int = 0
    answer: tuple[int, str, str] = THROTTLED
    injected: int = field(default=0)

    def intercept(self, request: object) -> AWSResponse | None:
        body = getattr(request, "body", b"") or b""
        body = body if isinstance(body, bytes) else str(body).encode()
        target = dict(getattr(request, "headers", {})).get("X-Amz-Target", b"")
        if self.remaining <= 0 or b"DynamoDB" not in (target if isinstance(target, bytes) else target.encode()):
            return None
        if self.table.encode() not in body:
            return None
        self.remaining -= 1
        self.injected += 1
        status, kind, message = self.answer
        payload = json.dumps({"__type": kind, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}
        return AWSResponse(getattr(request, "url", ""), status, headers, _Raw(payload))


@pytest.fixture
def faults(hub: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Faults:
    injected = Faults()
    original = Endpoint._send

    def send(self: Endpoint, request: object) -> AWSResponse:
        return injected.intercept(request) or original(self, request)

    monkeypatch.setattr(Endpoint, "_send", send)
    return injected


@pytest.fixture
def tenant(hub: dict[str, str]) -> tuple[TestClient, Tenant]:
    client = TestClient(create_app(), raise_server_exceptions=False)
    return client, signup(client)


@pytest.mark.parametrize("answer", [THROTTLED, INTERNAL], ids=["throttled", "5xx"])
def test_a_store_that_keeps_failing_is_a_503_with_retry_after(faults: Faults, tenant, answer) -> None:
    client, owner = tenant
    faults.answer, faults.remaining = answer, 1000

    response = client.get("/api/templates", headers=owner.headers)

    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert faults.injected >= 2  # the SDK retried before giving up


@pytest.mark.parametrize("answer", [THROTTLED, INTERNAL], ids=["throttled", "5xx"])
def test_a_transient_failure_is_retried_and_the_request_succeeds(faults: Faults, tenant, answer) -> None:
    client, owner = tenant
    created = client.post("/api/templates", headers=owner.headers,
                          json={"name": "general", "families": ["m5"], "architectures": ["amd64"]})
    assert created.status_code == 201
    faults.answer, faults.remaining = answer, 1

    response = client.get("/api/templates", headers=owner.headers)

    assert faults.injected == 1
    assert response.status_code == 200, response.text
    assert [t["name"] for t in response.json()["templates"]] == ["general"]
