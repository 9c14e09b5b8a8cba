"""``/api/admin/models``: upload risk models into the registry and list them (super admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse

from spothive.api.deps import AdminPrincipal
from spothive.api.errors import error_body
from spothive.domain.errors import InvalidInput
from spothive.domain.model_registry import ModelStatus
from spothive.services.model_lab import ModelLab
from spothive.settings import ModelSettings
from spothive.wiring import lab

router = APIRouter(prefix="/api/admin", tags=["admin"])
Lab = Annotated[ModelLab, Depends(lab.model_lab)]
LabSettings = Annotated[ModelSettings, Depends(lab.model_settings)]


@router.post("/models/upload", status_code=201)
def upload_model(
    principal: AdminPrincipal,
    model_lab: Lab, model_settings: LabSettings,
    file: Annotated[UploadFile, File(description="LightGBM model text (Booster.save_model); never pickle")],
    version: Annotated[str | None, Form(max_length=64)] = None,
) -> Any:
    """Sniff, store and validate in the sandbox: 201 with the candidate, or 422 with why it was rejected."""
    limit = model_settings.model_max_upload_mib * 1024 * 1024
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"the file exceeds {model_settings.model_max_upload_mib} MiB", field="file")
    record = model_lab.upload(principal.actor, data, version)
    if record.status is ModelStatus.REJECTED:
        body: dict[str, Any] = error_body("model_rejected", f"model rejected: {record.reason}", "file")
        body["model"] = record.as_dict()
        return JSONResponse(body, status_code=422)
    return {"model": record.as_dict()}


@router.get("/models")
def list_models(
    principal: AdminPrincipal,
    model_lab: Lab,
    status: Annotated[ModelStatus | None, Query(description="only models in this status")] = None,
) -> dict[str, Any]:
    """Registry entries, newest first (a Query of the ``by_status`` index per status)."""
    return {"models": [r.as_dict() for r in model_lab.list(status)]}
