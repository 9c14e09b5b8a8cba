"""Identity: sign-up, tokens, revocation, and the per-caller rate limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import CognitoSettings, ImpersonationSettings, SafetySettings
from spothive.wiring import accounts, kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.aws.cognito import CognitoDirectory
    from spothive.adapters.cache.deny_list import CachedTokenDenyList
    from spothive.ports.identity import RateLimiter
    from spothive.services.auth import AuthService
    from spothive.services.impersonation import ImpersonationService


@component
def directory() -> CognitoDirectory:
    """The Cognito user pool."""
    from spothive.adapters.aws.cognito import CognitoDirectory

    s = settings.load(CognitoSettings)
    return CognitoDirectory(s.cognito_user_pool_id, s.cognito_client_id, s.region)


@component
def auth() -> AuthService:
    """Sign-up, sign-in, logout and token verification."""
    from spothive.adapters.aws.jwt_verifier import JwksTokenVerifier
    from spothive.services.auth import AuthService

    s = settings.load(CognitoSettings)
    kernel.core()  # binds the revoked-tokens table
    return AuthService(
        repo=accounts.tenancy(),
        idp=directory(),
        verifier=JwksTokenVerifier(s.jwks_url, s.issuer, s.cognito_client_id),
        deny_list=deny_list(),
        clock=kernel.clock(),
        ledger=kernel.ledger(),
    )


@component
def deny_list() -> CachedTokenDenyList:
    """Revoked tokens: the durable table behind the Redis deny-list."""
    from spothive.adapters.cache.deny_list import CachedTokenDenyList
    from spothive.adapters.dynamo.revoked_tokens import DynamoTokenDenyList

    kernel.core()  # binds the revoked-tokens table
    return CachedTokenDenyList(DynamoTokenDenyList(kernel.clock().now), kernel.cache(), kernel.clock())


@component
def impersonation() -> ImpersonationService:
    """Impersonation tokens signed by the hub's KMS key; built only when a request carries one."""
    from spothive.adapters.aws.kms_token_signer import KmsTokenSigner
    from spothive.services.impersonation import ImpersonationService

    s = settings.load(ImpersonationSettings)
    return ImpersonationService(
        repo=accounts.tenancy(),
        signer=KmsTokenSigner(s.impersonation_key_id, s.region, s.aws_endpoint_url),
        deny_list=deny_list(),
        ledger=kernel.ledger(),
        clock=kernel.clock(),
    )


@component
def rate_limiter() -> RateLimiter:
    """Per-caller request limits in Redis."""
    from spothive.adapters.cache.rate_limiter import RedisRateLimiter

    enabled = settings.load(SafetySettings).rate_limits_enabled
    return RedisRateLimiter(kernel.cache(), enabled=enabled)
