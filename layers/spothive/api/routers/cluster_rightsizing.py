"""``/api/clusters/{id}/rightsizing``: per-workload request recommendations from the agent's usage history, and
what they save once the cluster is re-packed with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.domain.pricing import HOURS_PER_MONTH
from spothive.domain.rightsizing_history import MAX_PAGE
from spothive.wiring import workload_sizing

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.domain.rightsizing_savings import SizingSavings
    from spothive.services.workload_sizing import WorkloadRightSizing, WorkloadSizing

router = APIRouter(tags=["clusters"])
Sizing = Annotated["WorkloadRightSizing", Depends(workload_sizing.workload_rightsizing)]


class Requests(BaseModel):
    cpu_m: int
    memory_mib: int


class WorkloadLine(BaseModel):
    namespace: str
    owner: str
    pods: int = Field(description="pods of the workload in the latest snapshot")
    current: Requests | None = Field(description="per-pod requests in the latest snapshot; null: not in it")
    recommended: Requests = Field(description="p90 CPU and peak memory of the history plus the margin, per pod")
    samples: int
    history_hours: float
    confidence: float = Field(description="share of the 14-day window the history spans (0-1)")
    confident: bool = Field(description="24 h of history and 12 samples; otherwise requests are kept as they are")
    reason: str


class Repacked(BaseModel):
    """The cluster planned by the same planner with today's requests and with the confident recommendations."""

    optimized: float = Field(description="USD a month after consolidation with the recommended requests")
    without: float = Field(description="USD a month after consolidation with today's requests")
    saving: float = Field(description="USD a month right-sizing adds on top of consolidation (without - optimized)")


class ClusterRightsizing(BaseModel):
    cluster_id: str
    workloads: list[WorkloadLine]
    total: int = Field(description="workloads with a usage history")
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last")
    repacked: Repacked | None = Field(description="null while no snapshot describes the cluster's pods")


def repacked_response(savings: SizingSavings) -> Repacked:
    """Monthly figures of a with/without plan pair."""
    without = savings.plan_current.cost_after_per_hour * HOURS_PER_MONTH
    optimized = savings.plan_resized.cost_after_per_hour * HOURS_PER_MONTH
    return Repacked(optimized=round(optimized, 2), without=round(without, 2),
                    saving=round(savings.extra_savings_per_hour * HOURS_PER_MONTH, 2))


def _line(w: WorkloadSizing) -> WorkloadLine:
    r = w.recommendation
    current = (Requests(cpu_m=w.current_cpu_m, memory_mib=w.current_memory_mib)
               if w.current_cpu_m is not None and w.current_memory_mib is not None else None)
    return WorkloadLine(namespace=r.namespace, owner=r.owner, pods=w.pods, current=current,
                        recommended=Requests(cpu_m=r.cpu_m, memory_mib=r.memory_mib), samples=r.samples,
                        history_hours=round(r.history_s / 3600, 2), confidence=r.confidence,
                        confident=r.confident, reason=r.reason)


@router.get("/api/clusters/{cluster_id}/rightsizing", response_model=ClusterRightsizing)
def cluster_rightsizing(
    principal: CurrentPrincipal, sizing: Sizing,
    cluster_id: Annotated[str, Path(min_length=1, max_length=64)],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="workloads per page")] = 50,
    cursor: Annotated[str | None, Query(min_length=1, max_length=320,
                                        description="next_cursor of the previous page")] = None,
) -> ClusterRightsizing:
    """Each workload's recommended per-pod requests (sorted by ``namespace/owner``) and the cluster's
    consolidation with and without them; another org's cluster is 404."""
    found = sizing.for_cluster(principal, cluster_id, limit, cursor)
    return ClusterRightsizing(
        cluster_id=found.cluster_id, workloads=[_line(w) for w in found.workloads], total=found.total,
        next_cursor=found.next_cursor, repacked=repacked_response(found.savings) if found.savings else None,
    )
