"""Clusters an org owns, with their nodes (tenant-scoped reads only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.domain.inventory import StoredCluster, StoredInstance
from spothive.ports.inventory import InventoryRepo


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A cluster and a summary of its nodes."""

    cluster: StoredCluster
    nodes: int
    spot_nodes: int
    on_demand_nodes: int
    instance_types: dict[str, int]


class ClusterService:
    """Use cases of ``/api/client/clusters`` and ``/api/clusters/{id}``."""

    def __init__(self, inventory: InventoryRepo) -> None:
        self._inventory = inventory

    def list(self, principal: Principal) -> list[ClusterView]:
        """Every cluster of the caller's org, with node counts from one Query of its instances."""
        by_cluster: dict[str, list[StoredInstance]] = {}
        for stored in self._inventory.list_instances(principal.org_id):
            if stored.instance.cluster_id and stored.instance.state == "running":
                by_cluster.setdefault(stored.instance.cluster_id, []).append(stored)
        views = [_view(c, by_cluster.get(c.cluster_id, [])) for c in self._inventory.list_clusters(principal.org_id)]
        return sorted(views, key=lambda v: (v.cluster.name, v.cluster.region))

    def get(self, principal: Principal, cluster_id: str) -> ClusterView:
        """One cluster of the caller's org; another org's cluster is ``NotFound``."""
        cluster = self._inventory.get_cluster(principal.org_id, cluster_id)
        if cluster is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        running = [
            s for s in self._inventory.list_instances(principal.org_id, cluster_id) if s.instance.state == "running"
        ]
        return _view(cluster, running)


def _view(cluster: StoredCluster, nodes: list[StoredInstance]) -> ClusterView:
    spot = sum(1 for n in nodes if n.instance.lifecycle == "spot")
    types = Counter(n.instance.instance_type for n in nodes)
    return ClusterView(cluster, len(nodes), spot, len(nodes) - spot, dict(sorted(types.items())))
