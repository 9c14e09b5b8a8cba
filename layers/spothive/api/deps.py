"""Request dependencies shared by every route group: the authenticated principal and rate limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from spothive.domain.errors import Forbidden, Unauthorized
from spothive.domain.identity import Principal
from spothive.domain.rate_limits import limit_for
from spothive.ports.identity import RateLimiter
from spothive.services.auth import AuthService
from spothive.wiring import identity

_bearer = HTTPBearer(auto_error=False, description="Cognito ID token")
#: A super admin acting inside a client org sends the hub-signed token here, beside their own ID token.
IMPERSONATION_HEADER = "X-SpotHive-Impersonation"

Auth = Annotated[AuthService, Depends(identity.auth)]
Limiter = Annotated[RateLimiter, Depends(identity.rate_limiter)]


def current_principal(
    request: Request,
    auth: Auth,
    limiter: Limiter,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    impersonation: Annotated[str | None, Header(
        alias=IMPERSONATION_HEADER, description="impersonation token from POST /api/admin/impersonate",
        include_in_schema=False)] = None,
) -> Principal:
    """The verified, non-revoked caller; 401 otherwise.

    With an impersonation token beside a super admin's own ID token, the caller acts in the token's
    client org (as a client, never as an admin) and the request is recorded in that org's ledger first.
    """
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("a bearer token is required")
    principal = auth.authenticate(credentials.credentials)
    limiter.check(f"user:{principal.user_id}", limit_for(request.method, request.url.path))
    if impersonation:
        service = identity.impersonation()
        principal = service.resolve(principal, impersonation)
        service.record_request(principal, request.method, request.url.path)
    request.state.principal = principal
    return principal


def client_rate_limit(request: Request, limiter: Limiter) -> None:
    """Rate limiting for routes without a token, keyed by the client address."""
    host = request.client.host if request.client else "unknown"
    limiter.check(f"ip:{host}", limit_for(request.method, request.url.path))


ClientRateLimited = Depends(client_rate_limit)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def admin_principal(principal: CurrentPrincipal) -> Principal:
    """The caller, who must be a super admin acting as themselves; 403 otherwise."""
    if not principal.is_admin:
        raise Forbidden("super_admin role required")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
