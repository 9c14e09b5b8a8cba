"""``/api/hibernation``: weekly sleep/wake schedules per cluster, pre-warm, time zone, manual wake."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.services.hibernation import HibernationService, HibernationStatus
from spothive.wiring import configuration

router = APIRouter(prefix="/api/hibernation", tags=["hibernation"])
Hibernation = Annotated[HibernationService, Depends(configuration.hibernation)]

ClusterId = Field(min_length=1, max_length=128)
Timezone = Field(min_length=1, max_length=64, examples=["Europe/Berlin"],
                 description="an IANA time zone name such as Europe/Berlin (a region alone, like Europe, is a 422)")


class ScheduleBody(BaseModel):
    cluster_id: str = ClusterId
    schedule_matrix: list[Any] = Field(
        min_length=168, max_length=168,
        description="exactly 168 values, 7 days x 24 local hours, Monday 00:00 first; 1 = awake, 0 = asleep "
                    "(a wrong count names schedule_matrix, a wrong value schedule_matrix.<index>)",
        json_schema_extra={"items": {"type": "integer", "enum": [0, 1]}},
    )
    timezone: str = Timezone
    prewarm: bool | None = None
    enabled: bool = True
    target: Literal["eks-nodegroup", "asg", "ec2", "karpenter"] | None = Field(
        default=None, description="how the target sleeps: a cluster's EKS managed node groups (the default), its "
        "self-managed Auto Scaling groups, or its Karpenter NodePools through the agent (limits to zero, "
        "NodeClaims deleted); an instance group (g-… id) always stops its instances (ec2). "
        "Omitted: the stored kind is kept")
    hibernate: bool | None = Field(
        default=None, description="ec2 only: hibernate instead of stop the instances whose HibernationOptions "
        "are configured (the others are stopped). Omitted: the stored value is kept")


class PrewarmBody(BaseModel):
    cluster_id: str = ClusterId
    enabled: bool


class TimezoneBody(BaseModel):
    cluster_id: str = ClusterId
    timezone: str = Timezone


class OverrideBody(BaseModel):
    cluster_id: str = ClusterId
    duration_minutes: int = Field(ge=1, le=1440)


class TransitionResponse(BaseModel):
    at: datetime
    state: str


class ScheduleResponse(BaseModel):
    cluster_id: str
    configured: bool
    enabled: bool
    schedule_matrix: list[int]
    timezone: str
    prewarm: bool
    override_until: datetime | None
    version: int
    target: str
    hibernate: bool
    awake_now: bool
    desired_state: str | None
    applied_state: str | None
    last_error: str | None = Field(default=None, description="why the last transition failed (applied_state "
                                   "failed), e.g. an Auto Scaling group lacking the spothive:managed tag")
    nodepool_limits: dict[str, dict[str, str | int | float]] = Field(
        default_factory=dict, description="karpenter: each NodePool's spec.limits saved by the sleep, restored "
        "exactly on wake (an empty map: the NodePool had no limits)")
    next_transition: TransitionResponse | None


def schedule_response(status: HibernationStatus) -> ScheduleResponse:
    """The public view of a schedule and its state."""
    r = status.record
    nxt = status.next_transition
    return ScheduleResponse(
        cluster_id=status.cluster_id, configured=r is not None, enabled=bool(r and r.enabled),
        schedule_matrix=list(r.matrix) if r else [1] * 168, timezone=r.timezone if r else "UTC",
        prewarm=bool(r and r.prewarm), override_until=r.override_until if r else None,
        version=r.version if r else 0, awake_now=status.awake,
        target=r.target if r else ("ec2" if status.cluster_id.startswith("g-") else "eks-nodegroup"),
        hibernate=bool(r and r.hibernate),
        desired_state=r.desired_state if r else None, applied_state=r.applied_state if r else None,
        last_error=r.last_error if r else None, nodepool_limits=dict(r.saved_limits) if r else {},
        next_transition=TransitionResponse(at=nxt.at, state=nxt.state) if nxt else None,
    )


@router.post("/schedule", response_model=ScheduleResponse)
def save_schedule(body: ScheduleBody, principal: CurrentPrincipal, hibernation: Hibernation) -> ScheduleResponse:
    """Store the cluster's weekly matrix in an IANA time zone."""
    status = hibernation.save_schedule(
        principal, body.cluster_id, body.schedule_matrix, body.timezone, body.prewarm, body.enabled, body.target,
        body.hibernate,
    )
    return schedule_response(status)


@router.patch("/prewarm", response_model=ScheduleResponse)
def patch_prewarm(body: PrewarmBody, principal: CurrentPrincipal, hibernation: Hibernation) -> ScheduleResponse:
    """Wake 30 minutes before each scheduled wake."""
    return schedule_response(hibernation.set_prewarm(principal, body.cluster_id, body.enabled))


@router.patch("/tz", response_model=ScheduleResponse)
def patch_timezone(body: TimezoneBody, principal: CurrentPrincipal, hibernation: Hibernation) -> ScheduleResponse:
    """Interpret the matrix in another time zone."""
    return schedule_response(hibernation.set_timezone(principal, body.cluster_id, body.timezone))


@router.post("/override", response_model=ScheduleResponse)
def override(body: OverrideBody, principal: CurrentPrincipal, hibernation: Hibernation) -> ScheduleResponse:
    """Keep the cluster awake for ``duration_minutes``; the worker wakes it within a minute."""
    return schedule_response(hibernation.override(principal, body.cluster_id, body.duration_minutes))


class ClusterTarget(BaseModel):
    cluster_id: str
    name: str
    account_id: str
    region: str
    nodegroups: list[str]


class InstanceGroupTarget(BaseModel):
    cluster_id: str = Field(description="the group's id (g-…), used as cluster_id in the schedule routes")
    schedule: str = Field(description="the value of the instances' spothive:schedule tag")
    account_id: str
    regions: list[str]
    instance_ids: list[str]


class TargetList(BaseModel):
    clusters: list[ClusterTarget]
    instance_groups: list[InstanceGroupTarget]


@router.get("/targets", response_model=TargetList)
def list_targets(principal: CurrentPrincipal, hibernation: Hibernation) -> TargetList:
    """Clusters and stand-alone instance groups (tag ``spothive:schedule=<name>``) that can be scheduled."""
    found = hibernation.targets(principal)
    return TargetList(
        clusters=[ClusterTarget(cluster_id=c.cluster_id, name=c.name, account_id=c.account_id, region=c.region,
                                nodegroups=list(c.nodegroups)) for c in found.clusters],
        instance_groups=[InstanceGroupTarget(cluster_id=g.group_id, schedule=g.schedule, account_id=g.account_id,
                                             regions=list(g.regions), instance_ids=[i for _, i in g.instances])
                         for g in found.groups],
    )


@router.get("/{cluster_id}", response_model=ScheduleResponse)
def get_schedule(cluster_id: str, principal: CurrentPrincipal, hibernation: Hibernation) -> ScheduleResponse:
    """The schedule, whether the cluster should be awake now, and the next transition."""
    return schedule_response(hibernation.status(principal, cluster_id))
