"""``/api/admin/safe-mode``: the global SAFE_MODE, read and set by a super admin (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from spothive.api.deps import AdminPrincipal
from spothive.api.routers.safe_mode import SafeModeChange, SafeModeResponse, response
from spothive.services.safe_mode import SafeModeService
from spothive.wiring import optimization

router = APIRouter(tags=["safe-mode"])
SafeModes = Annotated[SafeModeService, Depends(optimization.safe_modes)]


@router.get("/api/admin/safe-mode", response_model=SafeModeResponse)
def get_global(principal: AdminPrincipal, safe_modes: SafeModes) -> SafeModeResponse:
    """The global SAFE_MODE (and the admin's own tenant level)."""
    return response(safe_modes.effective(principal.org_id))


@router.put("/api/admin/safe-mode", response_model=SafeModeResponse)
def put_global(body: SafeModeChange, principal: AdminPrincipal, safe_modes: SafeModes) -> SafeModeResponse:
    """Turn the global SAFE_MODE on or off for every tenant (audited in the platform ledger)."""
    return response(safe_modes.set(principal, "global", body.on, reason=body.reason))
