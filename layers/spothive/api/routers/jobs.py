"""``/api/clusters/{id}/optimize`` and ``/api/clusters/{id}/jobs/{job_id}``: optimization jobs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from spothive.api.deps import CurrentPrincipal
from spothive.wiring import optimization

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.services.optimization_jobs import OptimizationJobs

router = APIRouter(tags=["optimization"])
Jobs = Annotated["OptimizationJobs", Depends(optimization.optimization_jobs)]


class OptimizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: Preview by default: the full plan, savings and approved/blocked/skipped actions, nothing changed.
    dry_run: StrictBool = True


class JobStarted(BaseModel):
    job_id: str
    execution_arn: str | None
    status: str


class JobResponse(BaseModel):
    job_id: str
    cluster_id: str
    status: str
    actor: str
    dry_run: bool
    created_at: datetime
    updated_at: datetime
    execution_arn: str | None
    error: str | None
    decisions: dict[str, Any]
    progress: dict[str, Any]
    audit_seqs: list[int]
    prices_estimated: bool | None = Field(None, description="the plan's prices were not fresh ones of the "
                                          "cluster's region (last known + 10 %, or the snapshot's); null: not planned yet")
    prices_as_of: datetime | None = Field(None, description="when the plan's prices were fetched")


@router.post("/api/clusters/{cluster_id}/optimize", response_model=JobStarted, status_code=202)
def optimize(
    cluster_id: str, principal: CurrentPrincipal, optimization_jobs: Jobs,
    body: Annotated[OptimizeRequest | None, Body()] = None,
) -> JobStarted:
    """Start the optimization workflow for one of the caller's clusters: a preview (``dry_run``, the
    default) records what it would do; ``dry_run: false`` carries the plan out."""
    job = optimization_jobs.start(principal, cluster_id, dry_run=body.dry_run if body else True)
    return JobStarted(job_id=job.job_id, execution_arn=job.execution_arn, status=job.status)


@router.get("/api/clusters/{cluster_id}/jobs/{job_id}", response_model=JobResponse)
def get_job(cluster_id: str, job_id: str, principal: CurrentPrincipal, optimization_jobs: Jobs) -> JobResponse:
    """A job with its status, decisions summary and audit record ids."""
    view = optimization_jobs.get(principal, cluster_id, job_id)
    job = view.job
    return JobResponse(
        job_id=job.job_id, cluster_id=job.cluster_id, status=job.status, actor=job.actor, dry_run=job.dry_run,
        created_at=job.created_at, updated_at=job.updated_at, execution_arn=job.execution_arn, error=job.error,
        decisions=view.summary(), progress=view.progress(), audit_seqs=list(job.audit_seqs), **_prices(job.data),
    )


def _prices(data: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's price basis as the response's fields (none before the detect step ran)."""
    detected = data.get("detect")
    prices = detected.get("prices") if isinstance(detected, Mapping) else None
    if not isinstance(prices, Mapping):
        return {}
    return {"prices_estimated": bool(prices.get("prices_estimated")), "prices_as_of": prices.get("prices_as_of")}


@router.post("/api/clusters/{cluster_id}/jobs/{job_id}/approve", response_model=JobStarted, status_code=202)
def approve(cluster_id: str, job_id: str, principal: CurrentPrincipal, optimization_jobs: Jobs) -> JobStarted:
    """Carry out a finished preview (a new job); 409 if the cluster's snapshot changed since the preview."""
    job = optimization_jobs.approve(principal, cluster_id, job_id)
    return JobStarted(job_id=job.job_id, execution_arn=job.execution_arn, status=job.status)
