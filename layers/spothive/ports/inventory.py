"""Discovered clusters and instances, their pod snapshots, and starting a scan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance, ScanRecord, StoredCluster, StoredInstance
from spothive.domain.utilization import UtilizationHistogram


class InventoryRepo(Protocol):
    """Clusters, instances and scan records."""

    def instance_states(self, org_id: str, account_id: str) -> dict[str, tuple[str, str, str]]: ...

    def upsert_instances(self, org_id: str, instances: Sequence[DiscoveredInstance], seen_at: datetime) -> None: ...

    def delete_instances(self, org_id: str, instance_keys: Sequence[str]) -> None: ...

    def upsert_clusters(
        self, org_id: str, clusters: Sequence[DiscoveredCluster], node_counts: dict[str, int], seen_at: datetime
    ) -> None: ...

    def cluster_ids(self, org_id: str, account_id: str) -> list[str]: ...

    def delete_clusters(self, org_id: str, cluster_ids: Sequence[str]) -> None: ...

    def list_clusters(self, org_id: str) -> list[StoredCluster]: ...

    def get_cluster(self, org_id: str, cluster_id: str) -> StoredCluster | None: ...

    def list_instances(self, org_id: str, cluster_id: str | None = None) -> list[StoredInstance]: ...

    def record_scan(self, scan: ScanRecord) -> None: ...

    def last_scan(self, account_id: str) -> ScanRecord | None: ...


class DiscoveryTrigger(Protocol):
    """Starts discovery of one account without waiting for it."""

    def scan_account(self, org_id: str, account_id: str) -> None: ...


class SnapshotStore(Protocol):
    """The latest cluster snapshot (nodes, pods, PDBs) reported by the agent or uploaded by the customer."""

    def save(self, org_id: str, cluster_id: str, snapshot: dict[str, Any]) -> None: ...

    def latest(self, org_id: str, cluster_id: str) -> dict[str, Any] | None: ...


class UtilizationRepo(Protocol):
    """CPU histograms per instance (``instance_key``)."""

    def get_many(self, org_id: str, instance_keys: Sequence[str]) -> dict[str, UtilizationHistogram]: ...

    def save_many(self, org_id: str, histograms: Mapping[str, UtilizationHistogram]) -> None: ...
