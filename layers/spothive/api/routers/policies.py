"""``/api/policies``: one versioned optimization policy per cluster.

Every PATCH names the version it is based on, as ``expected_version`` in the body or as an ``If-Match``
header (the ``ETag`` of a GET); a stale version is a 409 naming ``expected_version``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.domain.automation import MIN_SAVING_DEFAULT, MIN_SAVING_MAX, PAYBACK_DAYS_DEFAULT, PAYBACK_DAYS_MAX
from spothive.domain.errors import InvalidInput
from spothive.domain.policies import PolicyDocument
from spothive.domain.templates import Strategy
from spothive.services.policies import PolicyService
from spothive.wiring import configuration

router = APIRouter(prefix="/api/policies", tags=["policies"])
Policies = Annotated[PolicyService, Depends(configuration.policies)]

ClusterId = Field(min_length=1, max_length=128)
VERSION_RULE = ("Optimistic concurrency: name the version the change is based on, as `expected_version` in the "
                "body or an `If-Match` header carrying the ETag of a GET (`\"3\"`); the body wins when both are "
                "given. Neither is a 422 naming `expected_version`; a version that is not the current one is a 409 "
                "naming `expected_version`. A successful change answers the new version in the body and the ETag.")
IfMatch = Annotated[str | None, Header(alias="If-Match", description=VERSION_RULE)]


class Versioned(BaseModel):
    cluster_id: str = ClusterId
    expected_version: int | None = Field(default=None, ge=0, description=VERSION_RULE)


class KarpenterBody(Versioned):
    enabled: bool
    strategy: Literal["cost", "balanced", "stability"] = "balanced"


class BinpackBody(Versioned):
    aggressiveness: int = Field(ge=20, le=80, description="target utilisation (%) before consolidating")


class FallbackBody(Versioned):
    enabled: bool


class ExclusionsBody(Versioned):
    namespaces: list[str] = Field(max_length=100)


class AutomationBody(Versioned):
    mode: Literal["off", "recommend", "auto"] = Field(
        description="off: never plans; recommend: previews only; auto: executes within the budget")
    max_nodes: int = Field(default=3, ge=1, le=100, description="nodes the executor may disrupt at once")
    max_percent: int = Field(default=20, ge=1, le=100, description="share of the cluster's nodes at once")
    payback_days: int = Field(default=PAYBACK_DAYS_DEFAULT, ge=1, le=PAYBACK_DAYS_MAX,
                              description="an automated action must pay its disruption cost back within this many days")
    min_monthly_saving_usd: float = Field(default=MIN_SAVING_DEFAULT, ge=0, le=MIN_SAVING_MAX, allow_inf_nan=False,
                                          description="and save at least this much a month")


class TemplateBindingBody(Versioned):
    template_id: str | None = Field(default=None, min_length=1, max_length=64, description="null unbinds")


class PolicyResponse(BaseModel):
    cluster_id: str
    version: int
    karpenter: dict[str, bool | str]
    binpack: dict[str, int]
    fallback: dict[str, bool]
    exclusions: dict[str, list[str]]
    template_id: str | None
    automation: dict[str, str | dict[str, int | float]]
    updated_at: datetime | None
    updated_by: str | None


def _respond(doc: PolicyDocument, response: Response) -> PolicyResponse:
    response.headers["ETag"] = f'"{doc.version}"'
    return PolicyResponse(**doc.to_doc())


def _expected(body: Versioned, if_match: str | None) -> int:
    if body.expected_version is not None:
        return body.expected_version
    if if_match:
        value = if_match.strip().removeprefix("W/").strip('"')
        if value.isdigit():
            return int(value)
        raise InvalidInput("If-Match must carry the policy version, e.g. \"3\"", field="expected_version")
    raise InvalidInput("expected_version (or an If-Match header) is required", field="expected_version")


@router.get("/{cluster_id}", response_model=PolicyResponse)
def get_policy(cluster_id: str, principal: CurrentPrincipal, policies: Policies, response: Response) -> PolicyResponse:
    """The cluster's policy document (version 0 until first changed)."""
    return _respond(policies.get(principal, cluster_id), response)


@router.patch("/karpenter", response_model=PolicyResponse)
def patch_karpenter(
    body: KarpenterBody, principal: CurrentPrincipal, policies: Policies, response: Response, if_match: IfMatch = None
) -> PolicyResponse:
    """Turn Karpenter management on or off and pick its strategy."""
    doc = policies.set_karpenter(
        principal, body.cluster_id, _expected(body, if_match), body.enabled, Strategy(body.strategy)
    )
    return _respond(doc, response)


@router.patch("/binpack", response_model=PolicyResponse)
def patch_binpack(
    body: BinpackBody, principal: CurrentPrincipal, policies: Policies, response: Response, if_match: IfMatch = None
) -> PolicyResponse:
    """Set the bin-packing threshold: 20 (conservative) to 80 (aggressive)."""
    doc = policies.set_binpack(principal, body.cluster_id, _expected(body, if_match), body.aggressiveness)
    return _respond(doc, response)


@router.patch("/fallback", response_model=PolicyResponse)
def patch_fallback(
    body: FallbackBody, principal: CurrentPrincipal, policies: Policies, response: Response, if_match: IfMatch = None
) -> PolicyResponse:
    """Fall back to On-Demand when Spot capacity is unavailable (or not)."""
    doc = policies.set_fallback(principal, body.cluster_id, _expected(body, if_match), body.enabled)
    return _respond(doc, response)


@router.patch("/automation", response_model=PolicyResponse)
def patch_automation(
    body: AutomationBody, principal: CurrentPrincipal, policies: Policies, response: Response, if_match: IfMatch = None
) -> PolicyResponse:
    """Automation mode, disruption budget (the executor's waves retire at most this many nodes at once) and the
    savings threshold: an automated action runs only if it pays its disruption back in ``payback_days``."""
    doc = policies.set_automation(principal, body.cluster_id, _expected(body, if_match), body.mode, body.max_nodes,
                                  body.max_percent, payback_days=body.payback_days,
                                  min_monthly_saving_usd=body.min_monthly_saving_usd)
    return _respond(doc, response)


@router.patch("/exclusions", response_model=PolicyResponse)
def patch_exclusions(
    body: ExclusionsBody, principal: CurrentPrincipal, policies: Policies, response: Response, if_match: IfMatch = None
) -> PolicyResponse:
    """Namespaces never touched by optimization (kube-system always is)."""
    doc = policies.set_exclusions(principal, body.cluster_id, _expected(body, if_match), body.namespaces)
    return _respond(doc, response)


@router.patch("/template", response_model=PolicyResponse)
def patch_template(
    body: TemplateBindingBody, principal: CurrentPrincipal, policies: Policies, response: Response,
    if_match: IfMatch = None,
) -> PolicyResponse:
    """Bind a node template to the cluster (``null`` unbinds)."""
    doc = policies.bind_template(principal, body.cluster_id, _expected(body, if_match), body.template_id)
    return _respond(doc, response)
