"""``/api/instances/{id}/rightsizing``: what one EC2 instance could run as, from its CloudWatch CPU."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path

from spothive.api.deps import CurrentPrincipal
from spothive.api.routers.metrics import Rightsizing, rightsizing_response
from spothive.wiring import optimization

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.services.utilization import RightSizing

router = APIRouter(prefix="/api/instances", tags=["metrics"])
Sizing = Annotated["RightSizing", Depends(optimization.rightsizing)]


@router.get("/{instance_id}/rightsizing", response_model=Rightsizing)
def rightsizing(
    principal: CurrentPrincipal, sizing: Sizing,
    instance_id: str = Path(min_length=3, max_length=32, pattern=r"^i-[0-9a-f]+$"),
) -> Rightsizing:
    """Same family smaller, or a cheaper family of the same architecture, with the monthly saving and
    confidence (another org's instance is 404)."""
    return rightsizing_response(sizing.for_instance(principal, instance_id))
