"""``/api/agent``: what the in-cluster agent calls, authenticated by its per-cluster token (docs/agent.md)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from spothive.api.deps import Limiter
from spothive.api.snapshots import KnownTypes, SizeCapped, checked_body, checked_snapshot
from spothive.domain.errors import Forbidden, Unauthorized
from spothive.domain.rate_limits import AGENT, AGENT_ADDRESS
from spothive.wiring import agents as agents_wiring
from spothive.wiring import optimization as optimization_wiring

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.services.agent_actions import AgentChannel
    from spothive.services.agents import AgentService
    from spothive.services.execution_callbacks import ExecutionCallbacks
    from spothive.services.safe_mode import SafeModeService

LOG = logging.getLogger(__name__)
router = APIRouter(prefix="/api/agent", tags=["agent"])
Agents = Annotated["AgentService", Depends(agents_wiring.agents)]
Channel = Annotated["AgentChannel", Depends(agents_wiring.channel)]
SafeModes = Annotated["SafeModeService", Depends(optimization_wiring.safe_modes)]
Callbacks = Annotated["ExecutionCallbacks", Depends(optimization_wiring.execution_callbacks)]
ActionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$", description="the action's id")]
_bearer = HTTPBearer(auto_error=False, description="Per-cluster agent token")


def agent_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The bearer token of the calling agent."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("an agent token is required")
    return credentials.credentials


AgentToken = Annotated[str, Depends(agent_token)]


def agent_cluster(
    request: Request, token: AgentToken, agents: Agents, limiter: Limiter,
    x_spothive_cluster: Annotated[str | None, Header(description="the cluster the agent believes it is")] = None,
) -> tuple[str, str]:
    """``(org_id, cluster_id)`` of the token; 403 when ``X-SpotHive-Cluster`` names another cluster.

    Rate limited per address before the token is looked up and per cluster after (429 with Retry-After).
    """
    limiter.check(f"agent-ip:{request.client.host if request.client else 'unknown'}", AGENT_ADDRESS)
    org_id, cluster_id = agents.authenticate_agent(token)
    limiter.check(f"agent:{org_id}:{cluster_id}", AGENT)
    if x_spothive_cluster is not None and x_spothive_cluster != cluster_id:
        raise Forbidden("this token belongs to another cluster", field="X-SpotHive-Cluster")
    return org_id, cluster_id


Cluster = Annotated[tuple[str, str], Depends(agent_cluster)]


def _same_cluster(body: dict[str, Any], cluster_id: str) -> None:
    if body.get("cluster_id") != cluster_id:
        raise Forbidden("cluster_id names another cluster than the token's", field="cluster_id")


class HeartbeatResponse(BaseModel):
    cluster_id: str
    accepted: bool = True
    safe_mode: bool | None = None


class UsageAccepted(BaseModel):
    accepted: bool = True


class SignalsAccepted(BaseModel):
    accepted: int
    duplicates: int


class ActionsPage(BaseModel):
    actions: list[dict[str, Any]]


class AckResponse(BaseModel):
    action_id: str
    state: str
    execute: bool
    safe_mode: bool = True


class ResultResponse(BaseModel):
    action_id: str
    recorded: bool


@router.post("/heartbeat", response_model=HeartbeatResponse, response_model_exclude_none=True)
def heartbeat(cluster: Cluster, agents: Agents, safe_modes: SafeModes) -> HeartbeatResponse:
    """The agent is alive (verify is green for 60 s); the answer carries the cluster's effective SAFE_MODE
    (global, tenant or cluster level on; an unreadable level counts as on)."""
    org_id, cluster_id = cluster
    agents.beat(org_id, cluster_id)
    return HeartbeatResponse(cluster_id=cluster_id, safe_mode=safe_modes.effective(org_id, cluster_id).on)


@router.put("/snapshot", response_model=HeartbeatResponse, response_model_exclude_none=True)
def snapshot(
    cluster: Cluster, agents: Agents, types: KnownTypes, body: Annotated[Any, Body()], _: None = SizeCapped,
) -> HeartbeatResponse:
    """The agent's view of its cluster (nodes, pods, PDBs) in the snapshot format (checked at the door)."""
    org_id, cluster_id = cluster
    agents.save_snapshot(org_id, cluster_id, checked_snapshot(body, types), "system:agent")
    return HeartbeatResponse(cluster_id=cluster_id)


@router.post("/usage", response_model=UsageAccepted, status_code=202)
def usage(cluster: Cluster, channel: Channel, body: Annotated[Any, Body()]) -> UsageAccepted:
    """CPU and memory per pod and node; the latest sample per cluster is kept for right-sizing."""
    org_id, cluster_id = cluster
    document = checked_body(body, "agent-usage")
    _same_cluster(document, cluster_id)
    channel.save_usage(org_id, cluster_id, document)
    return UsageAccepted()


@router.post("/signals", response_model=SignalsAccepted, status_code=202)
def signals(cluster: Cluster, channel: Channel, body: Annotated[Any, Body()]) -> SignalsAccepted:
    """Spot signals seen in the cluster, deduplicated by id and fed to the hive mind."""
    org_id, cluster_id = cluster
    document = checked_body(body, "agent-signals")
    _same_cluster(document, cluster_id)
    batch = channel.signals(org_id, cluster_id, document["signals"])
    return SignalsAccepted(accepted=batch.accepted, duplicates=batch.duplicates)


@router.get("/actions", response_model=ActionsPage)
def actions(cluster: Cluster, channel: Channel,
            wait: Annotated[int, Query(ge=0, le=30, description="seconds to hold the request open")] = 0) -> ActionsPage:
    """Long-poll: queued, unacknowledged actions oldest first (at most 20), or ``[]`` after ``wait`` s."""
    org_id, cluster_id = cluster
    return ActionsPage(actions=channel.poll(org_id, cluster_id, wait))


@router.post("/actions/{action_id}/ack", response_model=AckResponse)
def acknowledge(action_id: ActionId, cluster: Cluster, channel: Channel, safe_modes: SafeModes) -> AckResponse:
    """The first acknowledgement gets ``execute: true``; any later one is a 409 and must not execute.
    ``safe_mode`` is the cluster's effective flag: under it the agent refuses disruptive actions."""
    org_id, cluster_id = cluster
    outcome = channel.acknowledge(org_id, cluster_id, action_id)
    return AckResponse(action_id=action_id, state=outcome.state.value, execute=outcome.execute,
                       safe_mode=safe_modes.effective(org_id, cluster_id).on)


@router.post("/actions/{action_id}/result", response_model=ResultResponse)
def result(action_id: ActionId, cluster: Cluster, channel: Channel, body: Annotated[Any, Body()],
           callbacks: Callbacks,
           idempotency_key: Annotated[str | None, Header(description="result-{id}")] = None) -> ResultResponse:
    """The action's outcome; the first result is kept, a replay answers ``recorded: false``.

    Idempotency is by action id (a conditional write), so ``Idempotency-Key`` is informative only."""
    org_id, cluster_id = cluster
    outcome = channel.record_result(org_id, cluster_id, action_id, checked_body(body, "agent-result"))
    try:  # resume the workflow's wait once every action it waits for is final (the wait times out otherwise)
        callbacks.action_finished(org_id, action_id)
    except Exception as exc:  # the result is kept either way; a lost resume ends in the wait's timeout
        LOG.warning("could not resume the wait of %s: %s", action_id, exc)
    return ResultResponse(action_id=action_id, recorded=outcome.recorded)
