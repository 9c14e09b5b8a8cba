"""Every route but the public ones answers 401 without a token and with an expired one, before anything else."""

from __future__ import annotations

import re
import time

import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from spothive import topology
from spothive.api.app import create_app
from tests.integration.slice.helpers import api, signup

pytestmark = pytest.mark.integration

PUBLIC = {route for spec in topology.API_FUNCTIONS for route in spec.public_routes} | {
    ("GET", "/api/health"), ("GET", "/api/connect/template")}


def _routes() -> list[tuple[str, str]]:
    """Every documented (method, path) of the whole API, path parameters filled in."""
    found = []
    for path, operations in create_app().openapi()["paths"].items():
        for method in sorted(operations):
            if (method.upper(), path) not in PUBLIC:
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "x-1", path)))
    assert len(found) > 40
    return found


@pytest.mark.parametrize(("method", "path"), _routes())
def test_missing_and_expired_tokens_are_401(hub: dict[str, str], method: str, path: str) -> None:
    client = api()
    assert client.request(method, path, json={}).status_code == 401
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{hub['SPOTHIVE_COGNITO_USER_POOL_ID']}",
        "sub": "x", "aud": hub["SPOTHIVE_COGNITO_CLIENT_ID"], "token_use": "id", "email": _email(client),
        "iat": now - 7200, "exp": now - 3600, "jti": f"expired-{method}-{path}",
    }
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    expired = jose_jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, key)
    response = client.request(method, path, json={}, headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


_EMAIL: list[str] = []


def _email(client) -> str:  # type: ignore[no-untyped-def]
    if not _EMAIL:
        _EMAIL.append(signup(client).email)
    return _EMAIL[0]
