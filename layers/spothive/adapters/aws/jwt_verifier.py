"""Verifies Cognito ID tokens by signature (JWKS), issuer, audience, token use and expiry."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt

from spothive.domain.errors import Unauthorized
from spothive.domain.identity import Claims


class JwksTokenVerifier:
    """PyJWT with a cached JWKS client; keys are re-fetched when an unknown ``kid`` appears."""

    def __init__(self, jwks_url: str, issuer: str, audience: str, leeway_seconds: int = 30) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600, timeout=5)
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, token: str) -> Claims:
        """The token's claims, or ``Unauthorized`` saying what is wrong with it."""
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token has expired") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise Unauthorized("token signing keys are unavailable") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        if claims.get("token_use", "id") != "id":
            raise Unauthorized("an ID token is required")
        email = claims.get("email") or claims.get("cognito:username") or ""
        return Claims(
            subject=str(claims["sub"]),
            email=str(email).lower(),
            token_id=str(claims.get("jti") or claims["sub"] + str(claims["exp"])),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            raw=claims,
        )
