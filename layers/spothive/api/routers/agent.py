"""``/api/agent``: what the in-cluster agent calls, authenticated by its per-cluster token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from spothive.api.snapshots import KnownTypes, SizeCapped, checked_snapshot
from spothive.domain.errors import Unauthorized
from spothive.services.agents import AgentService
from spothive.wiring import agents as agents_wiring

router = APIRouter(prefix="/api/agent", tags=["agent"])
Agents = Annotated[AgentService, Depends(agents_wiring.agents)]
_bearer = HTTPBearer(auto_error=False, description="Per-cluster agent token")


def agent_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The bearer token of the calling agent."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized("an agent token is required")
    return credentials.credentials


AgentToken = Annotated[str, Depends(agent_token)]


class HeartbeatResponse(BaseModel):
    cluster_id: str
    accepted: bool = True


@router.post("/heartbeat", response_model=HeartbeatResponse)
def heartbeat(token: AgentToken, agents: Agents) -> HeartbeatResponse:
    """The agent is alive (the dashboard shows green for 60 s)."""
    return HeartbeatResponse(cluster_id=agents.heartbeat(token))


@router.put("/snapshot", response_model=HeartbeatResponse)
def snapshot(
    token: AgentToken, agents: Agents, types: KnownTypes, body: Annotated[Any, Body()], _: None = SizeCapped,
) -> HeartbeatResponse:
    """The agent's view of its cluster (nodes, pods, PDBs) in the snapshot format."""
    org_id, cluster_id = agents.authenticate_agent(token)
    agents.save_snapshot(org_id, cluster_id, checked_snapshot(body, types), "system:agent")
    return HeartbeatResponse(cluster_id=cluster_id)
