"""``/api/metrics``: the dashboard's spend, projected spend and savings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from spothive.api.deps import CurrentPrincipal
from spothive.services.metrics import MetricsService
from spothive.wiring import optimization

router = APIRouter(prefix="/api/metrics", tags=["metrics"])
Metrics = Annotated[MetricsService, Depends(optimization.metrics)]


class KpiSet(BaseModel):
    monthly_spend: float
    projected_monthly_spend: float
    monthly_savings: float
    running_instances: int
    spot_instances: int
    unpriced_instances: int
    clusters: int
    hours_per_month: int = 730


class ChartData(BaseModel):
    cluster_id: str
    unoptimized: float
    optimized: float
    monthly_savings: float
    basis: str
    optimality_gap: float | None
    actions: list[dict[str, Any]]


@router.get("/kpi", response_model=KpiSet)
def kpi(principal: CurrentPrincipal, metrics: Metrics) -> KpiSet:
    """Monthly spend (Σ hourly price x 730 over running instances), projected spend and savings."""
    k = metrics.kpis(principal)
    return KpiSet(
        monthly_spend=k.monthly_spend, projected_monthly_spend=k.projected_monthly_spend,
        monthly_savings=k.monthly_savings, running_instances=k.running_instances, spot_instances=k.spot_instances,
        unpriced_instances=k.unpriced_instances, clusters=k.clusters,
    )


@router.get("/projection", response_model=ChartData)
def projection(
    principal: CurrentPrincipal, metrics: Metrics, cluster_id: str = Query(min_length=1, max_length=64)
) -> ChartData:
    """Unoptimized vs optimized monthly spend of one cluster (the planner when pods are known)."""
    p = metrics.projection(principal, cluster_id)
    return ChartData(
        cluster_id=p.cluster_id, unoptimized=p.unoptimized.monthly, optimized=p.optimized.monthly,
        monthly_savings=p.monthly_savings, basis=p.basis, optimality_gap=p.optimality_gap, actions=p.moves,
    )
