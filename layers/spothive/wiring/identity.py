"""Identity: sign-up, tokens, revocation, and the per-caller rate limits."""

from __future__ import annotations

from spothive import settings
from spothive.adapters.aws.cognito import CognitoDirectory
from spothive.adapters.aws.jwt_verifier import JwksTokenVerifier
from spothive.adapters.cache.deny_list import CachedTokenDenyList
from spothive.adapters.cache.rate_limiter import RedisRateLimiter
from spothive.adapters.dynamo.revoked_tokens import DynamoTokenDenyList
from spothive.ports.identity import RateLimiter
from spothive.services.auth import AuthService
from spothive.settings import CognitoSettings, SafetySettings
from spothive.wiring import accounts, kernel
from spothive.wiring.registry import component


@component
def directory() -> CognitoDirectory:
    """The Cognito user pool."""
    s = settings.load(CognitoSettings)
    return CognitoDirectory(s.cognito_user_pool_id, s.cognito_client_id, s.region)


@component
def auth() -> AuthService:
    """Sign-up, sign-in, logout and token verification."""
    s = settings.load(CognitoSettings)
    kernel.core()  # binds the revoked-tokens table
    return AuthService(
        repo=accounts.tenancy(),
        idp=directory(),
        verifier=JwksTokenVerifier(s.jwks_url, s.issuer, s.cognito_client_id),
        deny_list=CachedTokenDenyList(DynamoTokenDenyList(kernel.clock().now), kernel.cache(), kernel.clock()),
        clock=kernel.clock(),
        ledger=kernel.ledger(),
    )


@component
def rate_limiter() -> RateLimiter:
    """Per-caller request limits in Redis."""
    enabled = settings.load(SafetySettings).rate_limits_enabled
    return RedisRateLimiter(kernel.cache(), enabled=enabled)
