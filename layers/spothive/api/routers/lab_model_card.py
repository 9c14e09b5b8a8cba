"""``/api/lab/model-card`` (super admins): the served model's card with its Recalibrations table."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from spothive.api.deps import AdminPrincipal
from spothive.services.model_recalibration import ModelRecalibration
from spothive.wiring import risk

router = APIRouter(prefix="/api/lab", tags=["lab"])
Recalibration = Annotated[ModelRecalibration, Depends(risk.model_recalibration)]


@router.get("/model-card")
def model_card(
    principal: AdminPrincipal,
    recalibration: Recalibration,
    model_version: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
) -> dict[str, Any]:
    """The stored card of ``model_version`` (default: the model recalibrated last): ``markdown``, the served
    ``calibration`` and its ``calibration_version``, and every ``recalibrations`` record (fitted or skipped,
    with before/after ECE, log-loss and Brier score, n and the map); 404 ``model_version`` if never recalibrated."""
    return recalibration.card(model_version)
