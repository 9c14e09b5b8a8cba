"""``/api/safe-mode`` (the tenant) and ``/api/clusters/{id}/safe-mode``: SAFE_MODE switches, audited.

The effective flag is on when any level (global, tenant, cluster) is on or cannot be read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from spothive.api.deps import CurrentPrincipal
from spothive.wiring import inventory, optimization

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.services.clusters import ClusterService
    from spothive.services.safe_mode import SafeModeService, SafeModeState

router = APIRouter(tags=["safe-mode"])
SafeModes = Annotated["SafeModeService", Depends(optimization.safe_modes)]
Clusters = Annotated["ClusterService", Depends(inventory.clusters)]


class SafeModeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: StrictBool
    reason: str | None = Field(default=None, max_length=500)


class SafeModeResponse(BaseModel):
    on: bool = Field(description="the effective flag: any level on (or unreadable) means on")
    levels: dict[str, bool | None] = Field(description="each level's switch; null: never set (off)")
    reasons: list[str]


def response(state: SafeModeState) -> SafeModeResponse:
    """The public view of a SAFE_MODE state."""
    return SafeModeResponse(on=state.on, levels=state.levels, reasons=list(state.reasons))


@router.get("/api/safe-mode", response_model=SafeModeResponse)
def get_tenant(principal: CurrentPrincipal, safe_modes: SafeModes) -> SafeModeResponse:
    """The caller's tenant-level and the global SAFE_MODE."""
    return response(safe_modes.effective(principal.org_id))


@router.put("/api/safe-mode", response_model=SafeModeResponse)
def put_tenant(body: SafeModeChange, principal: CurrentPrincipal, safe_modes: SafeModes) -> SafeModeResponse:
    """Turn the tenant's SAFE_MODE on or off (audited)."""
    return response(safe_modes.set(principal, "tenant", body.on, reason=body.reason))


@router.get("/api/clusters/{cluster_id}/safe-mode", response_model=SafeModeResponse)
def get_cluster(cluster_id: str, principal: CurrentPrincipal, safe_modes: SafeModes,
                clusters: Clusters) -> SafeModeResponse:
    """The cluster's effective SAFE_MODE (global, tenant and cluster levels)."""
    clusters.get(principal, cluster_id)
    return response(safe_modes.effective(principal.org_id, cluster_id))


@router.put("/api/clusters/{cluster_id}/safe-mode", response_model=SafeModeResponse)
def put_cluster(cluster_id: str, body: SafeModeChange, principal: CurrentPrincipal, safe_modes: SafeModes,
                clusters: Clusters) -> SafeModeResponse:
    """Turn one cluster's SAFE_MODE on or off (audited); another org's cluster is 404."""
    clusters.get(principal, cluster_id)
    return response(safe_modes.set(principal, "cluster", body.on, cluster_id=cluster_id, reason=body.reason))
