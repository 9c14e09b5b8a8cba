"""Sign-up, token, logout and /me against moto's Cognito and DynamoDB and a real Redis."""

from __future__ import annotations

import time

import boto3
import jwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from spothive.adapters.cache.deny_list import PREFIX
from spothive.adapters.cache.redis_client import redis_client
from tests.integration.slice.helpers import PASSWORD, api, signup

pytestmark = pytest.mark.integration


def _table(hub: dict[str, str], suffix: str):  # type: ignore[no-untyped-def]
    return boto3.resource("dynamodb", region_name="us-east-1").Table(f"{hub['SPOTHIVE_TABLE_PREFIX']}-{suffix}")


def _moto_signed(claims: dict[str, object]) -> str:
    """A token signed with the emulator's own Cognito key (valid signature, our chosen claims)."""
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jose_jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, key)


def test_signup_writes_user_org_and_placeholder_account(hub: dict[str, str]) -> None:
    # Given a new e-mail
    client = api()
    # When the customer signs up
    tenant = signup(client, org_name="Globex")
    # Then user, org and a pending placeholder account are stored
    subject = jwt.decode(tenant.token, options={"verify_signature": False})["sub"]
    user = _table(hub, "users").get_item(Key={"user_id": subject})["Item"]
    assert user["email"] == tenant.email
    assert user["org_id"] == tenant.org_id and user["role"] == "client"
    assert _table(hub, "orgs").get_item(Key={"org_id": tenant.org_id})["Item"]["name"] == "Globex"
    account = _table(hub, "accounts").get_item(Key={"org_id": tenant.org_id, "account_id": tenant.account_id})["Item"]
    assert account["status"] == "pending"
    # And the returned token is a verifiable Cognito ID token for that e-mail
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    assert claims["token_use"] == "id"
    assert claims["aud"] == hub["SPOTHIVE_COGNITO_CLIENT_ID"]


def test_same_email_twice_is_409_and_writes_nothing(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    orgs_before = _table(hub, "orgs").scan(Select="COUNT")["Count"]
    users_before = len(boto3.client("cognito-idp", region_name="us-east-1").list_users(
        UserPoolId=hub["SPOTHIVE_COGNITO_USER_POOL_ID"])["Users"])
    response = client.post(
        "/api/auth/signup", json={"org_name": "Copycat", "email": tenant.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "email"
    assert _table(hub, "orgs").scan(Select="COUNT")["Count"] == orgs_before
    users_after = len(boto3.client("cognito-idp", region_name="us-east-1").list_users(
        UserPoolId=hub["SPOTHIVE_COGNITO_USER_POOL_ID"])["Users"])
    assert users_after == users_before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_name": "A", "email": "not-an-email", "password": PASSWORD}, "email"),
        ({"org_name": "A", "email": "a@example.com", "password": "short"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD}, "org_name"),
        ({"org_name": "   ", "email": "b@example.com", "password": PASSWORD}, "org_name"),
    ],
)
def test_bad_signup_is_422_naming_the_field(hub: dict[str, str], body: dict[str, str], field: str) -> None:
    users_before = _table(hub, "users").scan(Select="COUNT")["Count"]
    response = api().post("/api/auth/signup", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert _table(hub, "users").scan(Select="COUNT")["Count"] == users_before


def test_token_with_right_and_wrong_password(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    ok = client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD})
    assert ok.status_code == 200
    assert ok.json()["role"] == "client"
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {ok.json()['jwt_token']}"}).status_code == 200
    wrong = client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    unknown = client.post("/api/auth/token", json={"email": "nobody@example.com", "password": PASSWORD})
    assert unknown.status_code == 401


def test_me_routes_pending_account_to_onboarding(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client, org_name="Initech")
    body = client.get("/api/auth/me", headers=tenant.headers).json()
    assert body["redirect_path"] == "/onboarding"
    assert body["org_name"] == "Initech"
    assert body["account_statuses"] == ["pending"]


def test_missing_forged_expired_and_wrong_audience_tokens_are_401(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    now = int(time.time())
    base = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{hub['SPOTHIVE_COGNITO_USER_POOL_ID']}",
        "sub": jwt.decode(tenant.token, options={"verify_signature": False})["sub"],
        "aud": hub["SPOTHIVE_COGNITO_CLIENT_ID"], "token_use": "id", "email": tenant.email, "email_verified": "true",
        "iat": now - 7200, "exp": now - 3600, "jti": "expired-1",
    }
    expired = client.get("/api/auth/me", headers={"Authorization": f"Bearer {_moto_signed(base)}"})
    assert expired.status_code == 401
    assert "expired" in expired.json()["error"]["message"]
    wrong_aud = _moto_signed({**base, "exp": now + 600, "aud": "someone-else"})
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {wrong_aud}"}).status_code == 401
    wrong_iss = _moto_signed({**base, "exp": now + 600, "iss": "https://evil.example.com"})
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {wrong_iss}"}).status_code == 401
    # a token signed with another key but claiming the emulator's kid fails the signature check
    other = jwt.encode({**base, "exp": now + 600}, _other_private_key(), algorithm="RS256", headers={"kid": "dummy"})
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    # and a valid-signature token with good claims is accepted
    good = _moto_signed({**base, "exp": now + 600, "jti": "fresh-1"})
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def _other_private_key() -> object:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_logout_denylists_the_token_until_it_expires(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    assert client.post("/api/auth/logout", headers=tenant.headers).json() == {"success": True}
    response = client.get("/api/auth/me", headers=tenant.headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    ttl = redis_client(hub["SPOTHIVE_REDIS_URL"]).ttl(PREFIX + claims["jti"])
    assert 0 < ttl <= claims["exp"] - int(time.time()) + 1
    # a fresh sign-in still works
    fresh = client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD}).json()["jwt_token"]
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_a_revocation_survives_a_cache_restart(hub: dict[str, str]) -> None:
    # Given a user who signed out
    client = api()
    tenant = signup(client)
    assert client.post("/api/auth/logout", headers=tenant.headers).status_code == 200
    # When the cache loses everything (a Redis restart without persistence)
    claims = jwt.decode(tenant.token, options={"verify_signature": False})
    cache = redis_client(hub["SPOTHIVE_REDIS_URL"])
    cache.delete(PREFIX + claims["jti"])
    # Then the signed-out token is still refused: the durable deny-list answers
    response = client.get("/api/auth/me", headers=tenant.headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]
    item = boto3.resource("dynamodb", region_name="us-east-1").Table(
        f"{hub['SPOTHIVE_TABLE_PREFIX']}-revoked-tokens").get_item(Key={"token_id": claims["jti"]})["Item"]
    assert int(item["expires_at"]) == claims["exp"]


def test_logout_revokes_the_refresh_token(hub: dict[str, str]) -> None:
    # Given a signed-in user holding a refresh token
    client = api()
    tenant = signup(client)
    signed_in = client.post("/api/auth/token", json={"email": tenant.email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {signed_in['jwt_token']}"}
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool, app_client = hub["SPOTHIVE_COGNITO_USER_POOL_ID"], hub["SPOTHIVE_COGNITO_CLIENT_ID"]
    refresh = {"REFRESH_TOKEN": signed_in["refresh_token"]}
    assert idp.admin_initiate_auth(UserPoolId=pool, ClientId=app_client, AuthFlow="REFRESH_TOKEN_AUTH",
                                   AuthParameters=refresh)["AuthenticationResult"]["IdToken"]
    # When they sign out
    assert client.post("/api/auth/logout", headers=headers).status_code == 200
    # Then the refresh token mints no new ID token
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.admin_initiate_auth(UserPoolId=pool, ClientId=app_client, AuthFlow="REFRESH_TOKEN_AUTH",
                                AuthParameters=refresh)
