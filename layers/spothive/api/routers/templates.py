"""``/api/templates``: node templates, the org's default template, and compatibility checks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.domain.templates import Strategy, TemplateSpec
from spothive.services.templates import TemplateService, TemplateView
from spothive.wiring import configuration

router = APIRouter(prefix="/api/templates", tags=["templates"])
Templates = Annotated[TemplateService, Depends(configuration.templates)]


class TemplateBody(BaseModel):
    name: str = Field(min_length=1, max_length=64, examples=["general-spot"])
    families: list[str] = Field(min_length=1, max_length=50, examples=[["m6g", "c6g", "m5"]])
    architectures: list[str] = Field(min_length=1, max_length=2, examples=[["arm64", "amd64"]])
    capacity_types: list[Literal["spot", "on-demand"]] = Field(default=["spot", "on-demand"], min_length=1)
    strategy: Literal["cost", "balanced", "stability"] = "balanced"
    gpu: bool = False
    max_nodes: int | None = Field(default=None, ge=1, le=10_000)
    disruption_budget_percent: int = Field(default=10, ge=0, le=100)

    def spec(self) -> TemplateSpec:
        return TemplateSpec(
            name=self.name, families=tuple(self.families), architectures=tuple(self.architectures),
            capacity_types=tuple(self.capacity_types), strategy=Strategy(self.strategy), gpu=self.gpu,
            max_nodes=self.max_nodes, disruption_budget_percent=self.disruption_budget_percent,
        )


class TemplateResponse(BaseModel):
    template_id: str
    name: str
    families: list[str]
    architectures: list[str]
    capacity_types: list[str]
    strategy: str
    gpu: bool
    max_nodes: int | None
    disruption_budget_percent: int
    is_default: bool
    version: int
    created_at: datetime
    updated_at: datetime


class TemplateList(BaseModel):
    templates: list[TemplateResponse]


class ValidateBody(BaseModel):
    families: list[str] = Field(min_length=1, max_length=50)
    architectures: list[str] = Field(min_length=1, max_length=4)
    gpu: bool | None = None


class ValidateResponse(BaseModel):
    valid: bool
    errors: list[str]
    warnings: list[str]


def template_response(view: TemplateView) -> TemplateResponse:
    """The public view of a template."""
    t, s = view.template, view.template.spec
    return TemplateResponse(
        template_id=t.template_id, name=s.name, families=list(s.families), architectures=list(s.architectures),
        capacity_types=list(s.capacity_types), strategy=s.strategy.value, gpu=s.gpu, max_nodes=s.max_nodes,
        disruption_budget_percent=s.disruption_budget_percent, is_default=view.is_default, version=t.version,
        created_at=t.created_at, updated_at=t.updated_at,
    )


@router.get("", response_model=TemplateList)
def list_templates(principal: CurrentPrincipal, templates: Templates) -> TemplateList:
    """The org's templates, with the default flagged."""
    return TemplateList(templates=[template_response(v) for v in templates.list_templates(principal)])


@router.post("", response_model=TemplateResponse, status_code=201)
def create_template(body: TemplateBody, principal: CurrentPrincipal, templates: Templates) -> TemplateResponse:
    """Create a template; incompatible families and architectures are a 422 naming the field."""
    return template_response(templates.create(principal, body.spec()))


@router.post("/validate", response_model=ValidateResponse)
def validate_template(body: ValidateBody, principal: CurrentPrincipal, templates: Templates) -> ValidateResponse:
    """Check families x architectures (x GPU) without storing anything."""
    result = templates.validate(body.families, body.architectures, body.gpu)
    return ValidateResponse(valid=result.valid, errors=result.errors, warnings=result.warnings)


@router.get("/{template_id}", response_model=TemplateResponse)
def get_template(template_id: str, principal: CurrentPrincipal, templates: Templates) -> TemplateResponse:
    """One template of the caller's org."""
    return template_response(templates.get(principal, template_id))


@router.put("/{template_id}", response_model=TemplateResponse)
def update_template(
    template_id: str, body: TemplateBody, principal: CurrentPrincipal, templates: Templates
) -> TemplateResponse:
    """Replace a template's settings."""
    return template_response(templates.update(principal, template_id, body.spec()))


@router.delete("/{template_id}", status_code=204)
def delete_template(template_id: str, principal: CurrentPrincipal, templates: Templates) -> Response:
    """Soft-delete a template; 409 while a cluster policy uses it."""
    templates.delete(principal, template_id)
    return Response(status_code=204)


@router.patch("/{template_id}/default", response_model=TemplateResponse)
def set_default(template_id: str, principal: CurrentPrincipal, templates: Templates) -> TemplateResponse:
    """Make the template the org's one default."""
    return template_response(templates.set_default(principal, template_id))
