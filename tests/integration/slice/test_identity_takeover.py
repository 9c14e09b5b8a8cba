"""Identity comes from the immutable Cognito ``sub``: a user who rewrites their own directory attributes
(e-mail, org, role) or presents extra claims never becomes someone else."""

from __future__ import annotations

import boto3
import jwt
import pytest

from spothive.domain.tenancy import CLIENT_WRITE_ATTRIBUTES
from tests.integration.slice.helpers import PASSWORD, api, signup

pytestmark = pytest.mark.integration


def _sign_in(client, email: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = client.post("/api/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


def test_changing_the_directory_email_to_another_tenants_does_not_reach_their_org(hub: dict[str, str]) -> None:
    # Given tenant A, and tenant C who signs in and gets Cognito tokens
    client = api()
    tenant_a = signup(client, org_name="Tenant A")
    tenant_c = signup(client, org_name="Tenant C")
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool, app_client = hub["SPOTHIVE_COGNITO_USER_POOL_ID"], hub["SPOTHIVE_COGNITO_CLIENT_ID"]
    auth = idp.admin_initiate_auth(
        UserPoolId=pool, ClientId=app_client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": tenant_c.email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    # When C rewrites its own e-mail to an upper-case variant of A's, and its org and role claims
    # (the emulator accepts the write; the real app client refuses it, see below)
    idp.update_user_attributes(AccessToken=auth["AccessToken"], UserAttributes=[
        {"Name": "email", "Value": tenant_a.email.upper()},
        {"Name": "custom:org_id", "Value": tenant_a.org_id},
        {"Name": "custom:role", "Value": "super_admin"},
    ])
    username = jwt.decode(auth["IdToken"], options={"verify_signature": False})["cognito:username"]
    again = idp.admin_initiate_auth(
        UserPoolId=pool, ClientId=app_client, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    claims = jwt.decode(again, options={"verify_signature": False})
    assert claims["email"] == tenant_a.email.upper()  # the token really carries A's address now
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {again}"})
    # Then the hub still sees C: C's own user, org and role
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["org_id"] == tenant_c.org_id
    assert body["email"] == tenant_c.email
    assert body["role"] == "client"
    # And A's templates are not C's
    a_templates = client.get("/api/templates", headers=tenant_a.headers).json()
    c_templates = client.get("/api/templates", headers={"Authorization": f"Bearer {again}"}).json()
    assert {t["template_id"] for t in a_templates["templates"]}.isdisjoint(
        {t["template_id"] for t in c_templates["templates"]})


def test_the_app_client_cannot_write_identity_attributes(hub: dict[str, str]) -> None:
    # Given the app client the API signs users in with
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    described = idp.describe_user_pool_client(
        UserPoolId=hub["SPOTHIVE_COGNITO_USER_POOL_ID"], ClientId=hub["SPOTHIVE_COGNITO_CLIENT_ID"]
    )["UserPoolClient"]
    # Then its write attributes are exactly the harmless ones: no e-mail, org or role
    assert sorted(described["WriteAttributes"]) == sorted(CLIENT_WRITE_ATTRIBUTES)
    assert not {"email", "custom:org_id", "custom:role"} & set(described["WriteAttributes"])


def test_an_unverified_email_is_refused(hub: dict[str, str]) -> None:
    # Given a signed-up user whose e-mail is marked unverified in the directory
    client = api()
    tenant = signup(client)
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    idp.admin_update_user_attributes(
        UserPoolId=hub["SPOTHIVE_COGNITO_USER_POOL_ID"], Username=tenant.email,
        UserAttributes=[{"Name": "email_verified", "Value": "false"}],
    )
    # When they sign in again, Then the token is refused as unverified
    response = client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD})
    assert response.status_code == 401
    assert "not verified" in response.json()["error"]["message"]


def test_a_forged_org_claim_switches_nothing(hub: dict[str, str]) -> None:
    # Given tenants A and B, and a token of B's re-signed with the emulator's key adding A's org
    from tests.integration.slice.test_auth_api import _moto_signed

    client = api()
    tenant_a, tenant_b = signup(client, org_name="A"), signup(client, org_name="B")
    claims = jwt.decode(tenant_b.token, options={"verify_signature": False})
    claims["spothive:org_id"] = tenant_a.org_id
    claims["spothive:impersonated_by"] = "user:someone"
    forged = _moto_signed(claims)
    # When B calls /me with it, Then B is still in B's org
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert me.status_code == 200, me.text
    assert me.json()["org_id"] == tenant_b.org_id
