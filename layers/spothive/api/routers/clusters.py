"""``/api/client/clusters`` and ``/api/clusters/{id}``: what discovery found."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from spothive.api.deps import CurrentPrincipal, Services
from spothive.services.clusters import ClusterView

router = APIRouter(tags=["clusters"])


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
    )


@router.get("/api/client/clusters", response_model=ClusterList)
def list_clusters(principal: CurrentPrincipal, services: Services) -> ClusterList:
    """Every cluster discovered in the caller's accounts."""
    return ClusterList(clusters=[cluster_response(v) for v in services.clusters.list(principal)])


@router.get("/api/clusters/{cluster_id}", response_model=ClusterResponse)
def get_cluster(cluster_id: str, principal: CurrentPrincipal, services: Services) -> ClusterResponse:
    """One cluster of the caller's org (another org's id is 404)."""
    return cluster_response(services.clusters.get(principal, cluster_id))
