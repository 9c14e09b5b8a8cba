"""``/api/client/clusters`` and ``/api/clusters/{id}``: what discovery found."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field

from spothive.api.deps import CurrentPrincipal
from spothive.api.snapshots import KnownTypes, SizeCapped, checked_snapshot
from spothive.wiring import accounts, inventory
from spothive.wiring import agents as agents_wiring

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.services.agents import AgentService
    from spothive.services.cluster_discovery import ClusterDiscover
    from spothive.services.clusters import ClusterService, ClusterView

router = APIRouter(tags=["clusters"])
Agents = Annotated["AgentService", Depends(agents_wiring.agents)]
Clusters = Annotated["ClusterService", Depends(inventory.clusters)]
Discover = Annotated["ClusterDiscover", Depends(accounts.cluster_discover)]


class AgentLight(BaseModel):
    """The agent's heartbeat light: ``green`` under 60 s, ``red``, or ``unknown`` with the cache down."""

    status: str
    last_seen: datetime | None
    seconds_since: float | None


class ClusterResponse(BaseModel):
    cluster_id: str
    account_id: str
    name: str
    region: str
    version: str
    status: str
    nodegroups: list[str]
    nodes: int
    spot_nodes: int
    on_demand_nodes: int
    instance_types: dict[str, int]
    first_seen: datetime
    last_seen: datetime
    agent: AgentLight | None = None


class ClusterList(BaseModel):
    clusters: list[ClusterResponse]


def cluster_response(view: ClusterView) -> ClusterResponse:
    """The public view of a cluster."""
    c = view.cluster
    return ClusterResponse(
        cluster_id=c.cluster_id, account_id=c.account_id, name=c.name, region=c.region, version=c.version,
        status=c.status, nodegroups=list(c.nodegroups), nodes=view.nodes, spot_nodes=view.spot_nodes,
        on_demand_nodes=view.on_demand_nodes, instance_types=view.instance_types, first_seen=c.first_seen,
        last_seen=c.last_seen,
        agent=AgentLight(status=view.agent.status, last_seen=view.agent.last_seen,
                         seconds_since=view.agent.seconds_since) if view.agent else None,
    )


@router.get("/api/client/clusters", response_model=ClusterList)
def list_clusters(principal: CurrentPrincipal, clusters: Clusters) -> ClusterList:
    """Every cluster discovered in the caller's accounts."""
    return ClusterList(clusters=[cluster_response(v) for v in clusters.list(principal)])


class LiveCluster(BaseModel):
    cluster_id: str
    name: str
    region: str
    arn: str
    version: str
    status: str
    nodegroups: list[str]
    node_count: int = Field(description="Σ desired size of its managed node groups, read live")
    state: Literal["managed", "known", "new"] = Field(
        description="managed: stored and its agent is connected; known: stored, no agent; new: not yet stored")


class DiscoverResponse(BaseModel):
    account_id: str
    regions: list[str]
    cached: bool = Field(description="served from the one-minute cache of this org and account")
    clusters: list[LiveCluster]


@router.get("/api/clusters/discover", response_model=DiscoverResponse)
def discover(
    principal: CurrentPrincipal, live: Discover, account_id: str = Query(min_length=1, max_length=64),
) -> DiscoverResponse:
    """The EKS clusters live in one of the caller's accounts, per scanned region (another org's account is 404)."""
    found = live.discover(principal, account_id)
    return DiscoverResponse(
        account_id=found.account_id, regions=found.regions, cached=found.cached,
        clusters=[LiveCluster(cluster_id=f.cluster.cluster_id, name=f.cluster.name, region=f.cluster.region,
                              arn=f.cluster.arn, version=f.cluster.version, status=f.cluster.status,
                              nodegroups=list(f.cluster.nodegroups), node_count=f.cluster.node_count,
                              state=f.state)  # type: ignore[arg-type]
                  for f in found.clusters],
    )


@router.get("/api/clusters/{cluster_id}", response_model=ClusterResponse)
def get_cluster(cluster_id: str, principal: CurrentPrincipal, clusters: Clusters) -> ClusterResponse:
    """One cluster of the caller's org (another org's id is 404)."""
    return cluster_response(clusters.get(principal, cluster_id))


class ConnectRequest(BaseModel):
    cluster_id: str = Field(min_length=1, max_length=64)


class HelmCommand(BaseModel):
    cluster_id: str
    helm_command: str
    token: str = Field(description="Shown once; SpotHive keeps only its SHA-256")


class AgentStatus(BaseModel):
    cluster_id: str
    status: str
    last_seen: datetime | None
    seconds_since: float | None


class Accepted(BaseModel):
    cluster_id: str
    accepted: bool = True


@router.post("/api/clusters/connect", response_model=HelmCommand)
def connect(body: ConnectRequest, principal: CurrentPrincipal, agents: Agents) -> HelmCommand:
    """The Helm command that installs the agent, with a fresh per-cluster token."""
    install = agents.connect(principal, body.cluster_id)
    return HelmCommand(cluster_id=install.cluster_id, helm_command=install.helm_command, token=install.token)


@router.get("/api/clusters/{cluster_id}/verify", response_model=AgentStatus)
def verify(cluster_id: str, principal: CurrentPrincipal, agents: Agents) -> AgentStatus:
    """Agent heartbeat: green when it called in within 60 s, red otherwise."""
    health = agents.verify(principal, cluster_id)
    return AgentStatus(
        cluster_id=cluster_id, status=health.status, last_seen=health.last_seen, seconds_since=health.seconds_since
    )


@router.put("/api/clusters/{cluster_id}/snapshot", response_model=Accepted)
def upload_snapshot(
    cluster_id: str, principal: CurrentPrincipal, agents: Agents, types: KnownTypes, body: Annotated[Any, Body()],
    _: None = SizeCapped,
) -> Accepted:
    """Upload a cluster snapshot (the agent's format) so projections can re-pack its pods."""
    agents.save_snapshot(principal.org_id, cluster_id, checked_snapshot(body, types), principal.actor)
    return Accepted(cluster_id=cluster_id)
