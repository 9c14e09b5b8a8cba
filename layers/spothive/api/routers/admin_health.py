"""``/api/admin/health/workers``: each scheduled worker and state machine, with traffic lights, the agents'
unfinished actions, and the hive mind's flag TTL per family with its evidence (super admins)."""

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


class AgentActionsBacklog(BaseModel):
    """Agent actions not yet finished across every cluster: ``pending`` = ``queued`` + ``in_flight``."""

    pending: int
    queued: int
    in_flight: int
    status: Light


class FlagTtlStatus(BaseModel):
    """One instance family's hive-mind flag TTL and the interruption waves it was tuned from."""

    family: str
    ttl_seconds: int
    basis: str
    events: int
    waves: int
    p75_wave_minutes: float | None
    evidence: str


class HealthStatus(BaseModel):
    status: Light
    safe_mode: bool
    thresholds: dict[str, int] = {"yellow_at": YELLOW_AT, "red_above": RED_ABOVE}
    workers: list[WorkerStatus]
    agent_actions: AgentActionsBacklog | None = None
    hive_mind: list[FlagTtlStatus] = []


@router.get("/workers", response_model=HealthStatus)
def workers(principal: AdminPrincipal, health: Health) -> HealthStatus:
    """Last run, last success, the last hour's failures and the backlog of every worker and state machine;
    the agents' unfinished actions; each family's hive-mind flag TTL with its evidence."""
    report = health.report(principal)
    backlog = report.agent_actions
    return HealthStatus(
        status=report.status, safe_mode=report.safe_mode,
        agent_actions=AgentActionsBacklog(pending=backlog.pending, queued=max(0, backlog.queued),
                                          in_flight=max(0, backlog.in_flight), status=backlog.light)
        if backlog is not None else None,
        hive_mind=[FlagTtlStatus(family=t.family, ttl_seconds=t.ttl_seconds, basis=t.basis, events=t.events,
                                 waves=t.waves, p75_wave_minutes=t.p75_wave_minutes, evidence=t.reason)
                   for t in report.hive_mind],
        workers=[
        WorkerStatus(name=w.name, component_id=w.component_id, kind=w.kind, last_run=w.stats.last_run,
                     last_success=w.stats.last_success, runs_last_hour=w.stats.runs_last_hour,
                     failures_last_hour=w.stats.failures_last_hour, backlog=w.backlog,
                     backlog_kind=w.backlog_kind, status=w.light)
        for w in report.workers])
