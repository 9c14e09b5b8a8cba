"""``/api/admin/impersonate``: short-lived, audited tokens for acting inside a client org (super admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from spothive.api.deps import IMPERSONATION_HEADER, AdminPrincipal
from spothive.domain.impersonation import MAX_MINUTES, MAX_REASON, MIN_REASON, ImpersonationGrant
from spothive.services.impersonation import ImpersonationService
from spothive.wiring import identity

router = APIRouter(prefix="/api/admin", tags=["admin"])
Impersonation = Annotated[ImpersonationService, Depends(identity.impersonation)]


class ImpersonateRequest(BaseModel):
    client_id: str = Field(min_length=1, max_length=64, description="the client org's id")
    reason: str = Field(min_length=MIN_REASON, max_length=MAX_REASON, description="why; shown to the client")
    minutes: int = Field(default=15, ge=1, le=MAX_MINUTES, description="lifetime, at most an hour")


class GrantResponse(BaseModel):
    token_id: str
    client_id: str
    admin_user_id: str
    admin_email: str
    reason: str
    issued_at: str
    expires_at: str


class ImpersonateResponse(BaseModel):
    temp_jwt: str = Field(description=f"send it as {IMPERSONATION_HEADER} beside your own bearer token")
    header: str = IMPERSONATION_HEADER
    grant: GrantResponse


def _grant(grant: ImpersonationGrant) -> GrantResponse:
    return GrantResponse(**grant.view())


@router.post("/impersonate", status_code=201, response_model=ImpersonateResponse)
def impersonate(principal: AdminPrincipal, service: Impersonation, body: ImpersonateRequest) -> ImpersonateResponse:
    """Issue a token for ``client_id`` (403 for the platform's own org), recorded in both ledgers."""
    token, grant = service.start(principal, body.client_id, body.reason, body.minutes)
    return ImpersonateResponse(temp_jwt=token, grant=_grant(grant))


@router.delete("/impersonate/{token_id}", response_model=GrantResponse)
def revoke(
    principal: AdminPrincipal, service: Impersonation,
    token_id: Annotated[str, Path(min_length=8, max_length=64, pattern=r"^imp-[0-9a-f]+$")],
) -> GrantResponse:
    """Revoke a live token at once (the deny-list), recorded in both ledgers; 404 when none is live."""
    return _grant(service.revoke(principal, token_id))
