"""Request dependencies: the service container and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from spothive.bootstrap import Container, container
from spothive.domain.errors import Forbidden, Unauthorized
from spothive.domain.rate_limits import limit_for
from spothive.ports import Principal

_bearer = HTTPBearer(auto_error=False, description="Cognito ID token")


def get_container() -> Container:
    """The process's service container (overridden in tests)."""
    return container()


Services = Annotated[Container, Depends(get_container)]


def current_principal(
    request: Request,
    services: Services,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified, non-revoked caller; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("a bearer token is required")
    principal = services.auth.authenticate(credentials.credentials)
    services.rate_limiter.check(f"user:{principal.user_id}", limit_for(request.method, request.url.path))
    request.state.principal = principal
    return principal


def client_rate_limit(request: Request, services: Services) -> None:
    """Rate limiting for routes without a token, keyed by the client address."""
    host = request.client.host if request.client else "unknown"
    services.rate_limiter.check(f"ip:{host}", limit_for(request.method, request.url.path))


ClientRateLimited = Depends(client_rate_limit)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def admin_principal(principal: CurrentPrincipal) -> Principal:
    """The caller, who must be a super admin acting as themselves; 403 otherwise."""
    if not principal.is_admin:
        raise Forbidden("super_admin role required")
    return principal


AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
