"""Cost by namespace for the dashboard (DASH: cost by namespace) from the cluster's latest agent snapshot."""

from __future__ import annotations

from spothive.domain.cost_allocation import CostAllocation, allocate
from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.pricing import CatalogSource


class NamespaceCostService:
    """Shares a cluster's node prices among its namespaces (tenant-scoped)."""

    def __init__(self, inventory: InventoryRepo, snapshots: SnapshotStore, catalogs: CatalogSource) -> None:
        self._inventory = inventory
        self._snapshots = snapshots
        self._catalogs = catalogs

    def by_namespace(self, principal: Principal, cluster_id: str) -> CostAllocation | None:
        """The allocation, or None while the cluster has no snapshot (no agent has reported its pods yet)."""
        cluster = self._inventory.get_cluster(principal.org_id, cluster_id)
        if cluster is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        snapshot = self._snapshots.latest(principal.org_id, cluster_id)
        if snapshot is None:
            return None
        return allocate(snapshot, self._catalogs.catalog(cluster.region))
