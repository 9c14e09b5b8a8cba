"""Impersonation end to end: KMS-signed tokens (moto's KMS), both ledgers, revocation and expiry."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from spothive.adapters.aws.kms_token_signer import KmsTokenSigner
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.commands.admin import create_super_admin
from spothive.domain.impersonation import PLATFORM_ORG, new_grant
from tests.integration.slice.helpers import PASSWORD, Tenant, api, signup

pytestmark = pytest.mark.integration
HEADER = "X-SpotHive-Impersonation"
REASON = "customer ticket: savings look wrong on the dashboard"


def _admin(client: TestClient) -> dict[str, str]:
    email = f"root-{uuid.uuid4().hex[:8]}@spothive.io"
    create_super_admin(email, PASSWORD)
    token = client.post("/api/auth/token", json={"email": email, "password": PASSWORD}).json()["jwt_token"]
    return {"Authorization": f"Bearer {token}"}


def _impersonate(client: TestClient, admin: dict[str, str], org_id: str, **extra: Any) -> Any:
    body = {"client_id": org_id, "reason": REASON, "minutes": 15, **extra}
    return client.post("/api/admin/impersonate", headers=admin, json=body)


def _logs(client: TestClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = client.get("/api/audit", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()["logs"]


@pytest.fixture
def world(hub: dict[str, str]) -> dict[str, Any]:
    client = api()
    return {"client": client, "admin": _admin(client), "a": signup(client, org_name="Alpha"),
            "b": signup(client, org_name="Beta")}


def test_an_admin_acts_in_the_client_org_and_both_ledgers_show_it(world: dict[str, Any]) -> None:
    client, admin, a, b = world["client"], world["admin"], world["a"], world["b"]
    # Given a super admin who impersonates client A for 15 minutes
    response = _impersonate(client, admin, a.org_id)
    assert response.status_code == 201, response.text
    body = response.json()
    token, grant = body["temp_jwt"], body["grant"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert claims["org"] == a.org_id and claims["exp"] - claims["iat"] == 15 * 60
    # When the admin calls the API with their own token and the impersonation token
    headers = {**admin, HEADER: token}
    me = client.get("/api/auth/me", headers=headers)
    # Then they act inside A (as a client, never as an admin)
    assert me.status_code == 200, me.text
    assert me.json()["org_id"] == a.org_id
    assert client.get("/api/admin/models", headers=headers).status_code == 403
    # And A's own audit log shows who was inside, when, why, and each request made
    logs = _logs(client, a)
    started = [r for r in logs if r["action"] == "impersonation.started"]
    assert len(started) == 1
    assert started[0]["actor"] == f"admin:{grant['admin_user_id']}" and started[0]["actor_type"] == "admin"
    assert started[0]["reason"] == REASON and started[0]["after"]["expires_at"] == grant["expires_at"]
    requests = [r["after"]["path"] for r in logs if r["action"] == "impersonation.request"]
    assert "/api/auth/me" in requests and "/api/admin/models" in requests
    # And the platform ledger holds the grant; B's ledger holds nothing of it
    platform = list(AuditStore("us-east-1", os.environ["AWS_ENDPOINT_URL"], lambda: datetime.now(UTC))
                    .records(PLATFORM_ORG, newest_first=True, limit=20))
    assert any(r.action == "impersonation.started" and r.resource_id == grant["token_id"] for r in platform)
    assert not [r for r in _logs(client, b) if r["action"].startswith("impersonation.")]


def test_the_token_works_only_beside_the_issuing_admins_own_sign_in(world: dict[str, Any]) -> None:
    client, admin, a, b = world["client"], world["admin"], world["a"], world["b"]
    token = _impersonate(client, admin, a.org_id).json()["temp_jwt"]
    # When client B presents it beside B's own token, Then it is refused and B stays out of A
    stolen = client.get("/api/auth/me", headers={**b.headers, HEADER: token})
    assert stolen.status_code == 401
    assert "another user" in stolen.json()["error"]["message"]
    # When another super admin presents it, Then it is refused too
    other = client.get("/api/auth/me", headers={**_admin(client), HEADER: token})
    assert other.status_code == 401
    # When it is sent alone as a bearer token, Then the Cognito verifier rejects it
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # When its org claim is rewritten, Then the signature no longer matches
    head, _payload, signature = token.split(".")
    forged = jwt.decode(token, options={"verify_signature": False}) | {"org": b.org_id}
    forged_payload = jwt.utils.base64url_encode(json.dumps(forged).encode()).decode()
    tampered = client.get("/api/auth/me", headers={**admin, HEADER: f"{head}.{forged_payload}.{signature}"})
    assert tampered.status_code == 401


def test_revoked_and_expired_tokens_are_refused(world: dict[str, Any]) -> None:
    client, admin, a = world["client"], world["admin"], world["a"]
    issued = _impersonate(client, admin, a.org_id).json()
    headers = {**admin, HEADER: issued["temp_jwt"]}
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    # When the admin revokes it, Then it is refused at once and A's ledger shows the revocation
    revoked = client.delete(f"/api/admin/impersonate/{issued['grant']['token_id']}", headers=admin)
    assert revoked.status_code == 200, revoked.text
    refused = client.get("/api/auth/me", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    assert [r for r in _logs(client, a) if r["action"] == "impersonation.revoked"]
    # And revoking it again is harmless; an unknown token is a 404
    assert client.delete(f"/api/admin/impersonate/{issued['grant']['token_id']}", headers=admin).status_code == 200
    assert client.delete("/api/admin/impersonate/imp-0000000000", headers=admin).status_code == 404
    # Given a token the hub's key signed that expired a minute ago
    me = client.get("/api/auth/me", headers=admin).json()
    past = datetime.now(UTC) - timedelta(minutes=16)
    grant = new_grant("imp-" + uuid.uuid4().hex, me["user_id"], me["email"], a.org_id, REASON, 15, past)
    signer = KmsTokenSigner(os.environ["SPOTHIVE_IMPERSONATION_KEY_ID"], "us-east-1", os.environ["AWS_ENDPOINT_URL"])
    expired = client.get("/api/auth/me", headers={**admin, HEADER: signer.sign(grant.claims())})
    # Then it is refused as expired
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]


def test_who_may_impersonate_whom(world: dict[str, Any]) -> None:
    client, admin, a = world["client"], world["admin"], world["a"]
    # a client user is forbidden, no token is unauthorized
    assert _impersonate(client, a.headers, world["b"].org_id).status_code == 403
    assert client.post("/api/admin/impersonate", json={"client_id": a.org_id, "reason": REASON}).status_code == 401
    # the platform owners' org (every super admin) is never a target; an unknown org is a 404
    platform = _impersonate(client, admin, PLATFORM_ORG)
    assert platform.status_code == 403 and platform.json()["error"]["field"] == "client_id"
    assert _impersonate(client, admin, "org-missing").status_code == 404


@pytest.mark.parametrize(("extra", "field"), [
    ({"minutes": 61}, "minutes"), ({"minutes": 0}, "minutes"), ({"reason": "because"}, "reason"),
    ({"client_id": ""}, "client_id"),
])
def test_bad_requests_name_the_field(world: dict[str, Any], extra: dict[str, Any], field: str) -> None:
    response = _impersonate(world["client"], world["admin"], world["a"].org_id, **extra)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
