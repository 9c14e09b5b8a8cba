"""``/api/admin/health/workers``: each scheduled worker and state machine, with traffic lights (super admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from spothive.api.deps import AdminPrincipal
from spothive.domain.worker_health import RED_ABOVE, YELLOW_AT, Light
from spothive.services.worker_health import WorkerHealthService
from spothive.wiring import admin

router = APIRouter(prefix="/api/admin/health", tags=["admin"])
Health = Annotated[WorkerHealthService, Depends(admin.worker_health)]


class WorkerStatus(BaseModel):
    name: str
    component_id: str
    kind: str
    last_run: datetime | None
    last_success: datetime | None
    runs_last_hour: int
    failures_last_hour: int
    backlog: int
    backlog_kind: str
    status: Light


class HealthStatus(BaseModel):
    status: Light
    safe_mode: bool
    thresholds: dict[str, int] = {"yellow_at": YELLOW_AT, "red_above": RED_ABOVE}
    workers: list[WorkerStatus]


@router.get("/workers", response_model=HealthStatus)
def workers(principal: AdminPrincipal, health: Health) -> HealthStatus:
    """Last run, last success, the last hour's failures and the backlog of every worker and state machine."""
    report = health.report(principal)
    return HealthStatus(status=report.status, safe_mode=report.safe_mode, workers=[
        WorkerStatus(name=w.name, component_id=w.component_id, kind=w.kind, last_run=w.stats.last_run,
                     last_success=w.stats.last_success, runs_last_hour=w.stats.runs_last_hour,
                     failures_last_hour=w.stats.failures_last_hour, backlog=w.backlog,
                     backlog_kind=w.backlog_kind, status=w.light)
        for w in report.workers])
