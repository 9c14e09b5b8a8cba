"""``/api/lab``: promote a candidate risk model to production (hot swap) and roll back (super admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from spothive.api.deps import AdminPrincipal
from spothive.services.model_lab import ModelLab, Promotion
from spothive.wiring import lab

router = APIRouter(prefix="/api/lab", tags=["lab"])
Lab = Annotated[ModelLab, Depends(lab.model_lab)]


class GraduateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: str = Field(min_length=1, max_length=64)


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: str | None = Field(default=None, min_length=1, max_length=64)


def _promotion(result: Promotion) -> dict[str, Any]:
    return {
        "success": True,
        "model": result.model.as_dict(),
        "retired": [r.model_id for r in result.retired],
        "notified_consumers": result.notified,
    }


@router.post("/graduate")
def graduate(body: GraduateRequest, principal: AdminPrincipal, model_lab: Lab) -> dict[str, Any]:
    """Candidate → production; the previous production model is retired and kept for rollback."""
    return _promotion(model_lab.graduate(principal.actor, body.model_id))


@router.post("/rollback")
def rollback(principal: AdminPrincipal, model_lab: Lab, body: RollbackRequest | None = None) -> dict[str, Any]:
    """A retired model (the given one, else the last retired) → production again."""
    return _promotion(model_lab.rollback(principal.actor, body.model_id if body else None))
