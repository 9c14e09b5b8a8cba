"""``/api/metrics``: the dashboard's spend, projected spend and savings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.api.routers.cluster_rightsizing import Repacked, repacked_response
from spothive.domain.pricing import HOURS_PER_MONTH
from spothive.wiring import optimization

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.domain.rightsizing_ec2 import Ec2Recommendation
    from spothive.services.metrics import MetricsService
    from spothive.services.namespace_costs import NamespaceCostService

router = APIRouter(prefix="/api/metrics", tags=["metrics"])
Metrics = Annotated["MetricsService", Depends(optimization.metrics)]
NamespaceCosts = Annotated["NamespaceCostService", Depends(optimization.namespace_costs)]


class KpiSet(BaseModel):
    monthly_spend: float
    projected_monthly_spend: float
    monthly_savings: float
    running_instances: int
    spot_instances: int
    unpriced_instances: int
    clusters: int
    hours_per_month: int = 730
    prices_estimated: bool = Field(False, description="a price used was not a fresh one of its region: the "
                                   "last known + 10 %, or the shipped snapshot's")
    prices_as_of: datetime | None = Field(None, description="when the oldest price used was fetched; null: "
                                          "the shipped snapshot's")


class Rightsizing(BaseModel):
    instance_id: str
    current: str
    target: str | None = Field(description="the type to run instead; null: keep the current one")
    p95_cpu_percent: float | None
    needed_vcpu: float | None
    hourly_before: float | None
    hourly_after: float | None
    monthly_saving: float = Field(description="USD a month (730 h) at On-Demand prices")
    confidence: float = Field(description="share of the 14-day window covered by CloudWatch samples (0-1)")
    confident: bool
    reason: str


def rightsizing_response(r: Ec2Recommendation) -> Rightsizing:
    """The public view of one recommendation."""
    return Rightsizing(
        instance_id=r.instance_id, current=r.current, target=r.target, p95_cpu_percent=r.p95_cpu_percent,
        needed_vcpu=r.needed_vcpu, hourly_before=r.hourly_before, hourly_after=r.hourly_after,
        monthly_saving=r.monthly_saving, confidence=r.confidence, confident=r.confident, reason=r.reason,
    )


class BriefAction(BaseModel):
    type: str
    target: str
    reason: str


class ChartData(BaseModel):
    cluster_id: str
    unoptimized: float
    optimized: float = Field(description="monthly spend after the approved actions only")
    monthly_savings: float
    basis: str
    optimality_gap: float | None
    actions: list[dict[str, Any]] = Field(description="every planned action, approved or not")
    rightsizing: list[Rightsizing] = Field(
        default_factory=list, description="nodes a cheaper EC2 type fits, from 14 days of CloudWatch CPU")
    with_rightsizing: Repacked | None = Field(
        default=None, description="the planner with the workloads' recommended requests vs today's; null: no snapshot")
    source: str = Field("estimate", description="preview: the latest preview of the same snapshot and policy "
                        "version; estimate: the same pipeline now, before the preview's risk check")
    preview_job_id: str | None = None
    policy_version: int | None = Field(None, description="the cluster policy version the plan was made on")
    template_version: int | None = None
    risk_model: str | None = Field(None, description="the risk model whose answers decided the plan")
    planned: int = Field(0, description="opportunities (atomic groups and Spot replacements) = approved + "
                         "blocked + skipped")
    approved: int = 0
    blocked: int = 0
    skipped: int = 0
    approved_actions: list[BriefAction] = Field(default_factory=list)
    blocked_actions: list[BriefAction] = Field(default_factory=list)
    skipped_actions: list[BriefAction] = Field(default_factory=list)
    prices_estimated: bool = Field(False, description="the plan's prices were not fresh ones of the cluster's "
                                   "region: the last known + 10 %, or the shipped snapshot's")
    prices_as_of: datetime | None = Field(None, description="when the plan's prices were fetched; null: the "
                                          "shipped snapshot's")


def _brief(actions: Any) -> list[BriefAction]:
    return [BriefAction(type=a["type"], target=a["target"], reason=a["reason"]) for a in actions or ()]


@router.get("/kpi", response_model=KpiSet)
def kpi(principal: CurrentPrincipal, metrics: Metrics) -> KpiSet:
    """Monthly spend (Σ hourly price x 730 over running instances), projected spend and savings."""
    k = metrics.kpis(principal)
    return KpiSet(
        monthly_spend=k.monthly_spend, projected_monthly_spend=k.projected_monthly_spend,
        monthly_savings=k.monthly_savings, running_instances=k.running_instances, spot_instances=k.spot_instances,
        unpriced_instances=k.unpriced_instances, clusters=k.clusters, prices_estimated=k.prices_estimated,
        prices_as_of=k.prices_as_of,
    )


@router.get("/projection", response_model=ChartData)
def projection(
    principal: CurrentPrincipal, metrics: Metrics, cluster_id: str = Query(min_length=1, max_length=64)
) -> ChartData:
    """Unoptimized vs optimized monthly spend of one cluster (the planner when pods are known): optimized is
    after the approved actions only, from the latest preview of the same inputs when there is one."""
    p = metrics.projection(principal, cluster_id)
    return ChartData(
        cluster_id=p.cluster_id, unoptimized=p.unoptimized.monthly, optimized=p.optimized.monthly,
        monthly_savings=p.monthly_savings, basis=p.basis, optimality_gap=p.optimality_gap, actions=p.moves,
        rightsizing=[rightsizing_response(r) for r in p.rightsizing],
        with_rightsizing=repacked_response(p.with_rightsizing) if p.with_rightsizing else None,
        source=p.source, preview_job_id=p.preview_job_id, policy_version=p.inputs.get("policy_version"),
        template_version=p.inputs.get("template_version"), risk_model=p.risk_model,
        **(p.outcome.counts() if p.outcome is not None else {}),
        approved_actions=_brief(p.decision.get("approved")), blocked_actions=_brief(p.decision.get("blocked")),
        skipped_actions=_brief(p.decision.get("skipped")), prices_estimated=p.prices_estimated,
        prices_as_of=p.prices_as_of,
    )


class NamespaceLine(BaseModel):
    namespace: str
    monthly: float
    share: float
    cpu_m: int
    memory_mib: int
    pods: int


class NamespaceCostsResponse(BaseModel):
    cluster_id: str
    basis: str
    namespaces: list[NamespaceLine]
    idle_monthly: float
    total_monthly: float
    unpriced_nodes: int


@router.get("/cost-by-namespace", response_model=NamespaceCostsResponse)
def cost_by_namespace(
    principal: CurrentPrincipal, costs: NamespaceCosts, cluster_id: str = Query(min_length=1, max_length=64)
) -> NamespaceCostsResponse:
    """Each namespace's monthly share of the cluster's nodes by its pods' requests, and the idle remainder.

    ``basis`` is ``snapshot`` (the agent's latest report) or ``none`` while no agent has reported pods.
    """
    found = costs.by_namespace(principal, cluster_id)
    if found is None:
        return NamespaceCostsResponse(cluster_id=cluster_id, basis="none", namespaces=[], idle_monthly=0.0,
                                      total_monthly=0.0, unpriced_nodes=0)
    total = found.total_hourly
    return NamespaceCostsResponse(
        cluster_id=cluster_id, basis="snapshot",
        namespaces=[NamespaceLine(namespace=n.namespace, monthly=n.monthly,
                                  share=round(n.hourly / total, 4) if total else 0.0, cpu_m=n.cpu_m,
                                  memory_mib=n.memory_mib, pods=n.pods) for n in found.namespaces],
        idle_monthly=round(found.idle_hourly * HOURS_PER_MONTH, 2), total_monthly=round(total * HOURS_PER_MONTH, 2),
        unpriced_nodes=found.unpriced_nodes,
    )
