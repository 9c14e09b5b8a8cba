"""Clusters, instances, scans, agent tokens and heartbeats in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from spothive.adapters.memory.snapshot_store import MemorySnapshotStore
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import NotFound
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance, ScanRecord, StoredCluster, StoredInstance
from spothive.ports.clock import Clock
from tests.support.fakes.audit import MemoryLedger

__all__ = ["MemoryAgentTokens", "MemoryHeartbeats", "MemoryInventoryRepo", "MemorySnapshotStore"]

#: How long a heartbeat stays visible (the Redis key's TTL).
HEARTBEAT_TTL = timedelta(seconds=120)


class MemoryInventoryRepo:
    """``InventoryRepo`` over dicts, ordered like the tables' sort keys."""

    def __init__(self) -> None:
        self.clusters: dict[tuple[str, str], StoredCluster] = {}
        self.instances: dict[tuple[str, str], StoredInstance] = {}
        self.scans: list[ScanRecord] = []
        #: ``(org_id, cluster_id)`` → agent token hash (an attribute of the cluster item).
        self.token_hashes: dict[tuple[str, str], str] = {}

    def instance_states(self, org_id: str, account_id: str) -> dict[str, tuple[str, str, str]]:
        return {
            key: (s.instance.instance_type, s.instance.lifecycle, s.instance.state)
            for (org, key), s in self.instances.items() if org == org_id and s.instance.account_id == account_id
        }

    def upsert_instances(self, org_id: str, instances: Sequence[DiscoveredInstance], seen_at: datetime) -> None:
        for inst in instances:
            self.instances[(org_id, inst.instance_key)] = StoredInstance(org_id, inst, seen_at)

    def delete_instances(self, org_id: str, instance_keys: Sequence[str]) -> None:
        for key in instance_keys:
            self.instances.pop((org_id, key), None)

    def upsert_clusters(
        self, org_id: str, clusters: Sequence[DiscoveredCluster], node_counts: dict[str, int], seen_at: datetime
    ) -> None:
        """Update in place: ``first_seen`` and the agent token survive a scan."""
        for c in clusters:
            old = self.clusters.get((org_id, c.cluster_id))
            self.clusters[(org_id, c.cluster_id)] = StoredCluster(
                org_id, c.cluster_id, c.account_id, c.name, c.region, c.arn, c.version, c.status,
                tuple(c.nodegroups), node_counts.get(c.cluster_id, 0), old.first_seen if old else seen_at, seen_at,
            )

    def cluster_ids(self, org_id: str, account_id: str) -> list[str]:
        return [c.cluster_id for c in self.list_clusters(org_id) if c.account_id == account_id]

    def delete_clusters(self, org_id: str, cluster_ids: Sequence[str]) -> None:
        for cluster_id in cluster_ids:
            self.clusters.pop((org_id, cluster_id), None)
            self.token_hashes.pop((org_id, cluster_id), None)

    def list_clusters(self, org_id: str) -> list[StoredCluster]:
        return [c for (o, _), c in sorted(self.clusters.items()) if o == org_id]

    def get_cluster(self, org_id: str, cluster_id: str) -> StoredCluster | None:
        return self.clusters.get((org_id, cluster_id))

    def list_instances(self, org_id: str, cluster_id: str | None = None) -> list[StoredInstance]:
        return [
            s for (o, _), s in sorted(self.instances.items(), key=lambda kv: kv[0])
            if o == org_id and (cluster_id is None or s.instance.cluster_id == cluster_id)
        ]

    def record_scan(self, scan: ScanRecord) -> None:
        self.scans = [s for s in self.scans if (s.account_id, s.started_at) != (scan.account_id, scan.started_at)]
        self.scans.append(scan)

    def last_scan(self, account_id: str) -> ScanRecord | None:
        """The account's scan with the latest ``started_at``."""
        mine = [s for s in self.scans if s.account_id == account_id]
        return max(mine, key=lambda s: s.started_at) if mine else None

    def add_cluster(self, cluster: StoredCluster) -> StoredCluster:
        """Seed one stored cluster (test set-up)."""
        self.clusters[(cluster.org_id, cluster.cluster_id)] = cluster
        return cluster

    def rename(self, org_id: str, cluster_id: str, **changes: object) -> None:
        """Change fields of a stored cluster (test set-up)."""
        key = (org_id, cluster_id)
        self.clusters[key] = replace(self.clusters[key], **changes)  # type: ignore[arg-type]


class MemoryAgentTokens:
    """``AgentTokens`` on ``MemoryInventoryRepo``'s clusters; issuing is audited with the write."""

    def __init__(self, inventory: MemoryInventoryRepo, ledger: MemoryLedger) -> None:
        self._inventory = inventory
        self._ledger = ledger

    def set_token_hash(self, org_id: str, cluster_id: str, token_hash: str, audit: AuditEntry) -> None:
        def change() -> None:
            if (org_id, cluster_id) not in self._inventory.clusters:
                raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
            self._inventory.token_hashes[(org_id, cluster_id)] = token_hash

        self._ledger.commit(org_id, audit, change)

    def cluster_for(self, token_hash: str) -> tuple[str, str] | None:
        return next((key for key, h in sorted(self._inventory.token_hashes.items()) if h == token_hash), None)


class MemoryHeartbeats:
    """``Heartbeats`` with the Redis key's TTL measured on ``clock``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.beats: dict[tuple[str, str], tuple[datetime, datetime]] = {}  # (org, cluster) → (at, written at)

    def beat(self, org_id: str, cluster_id: str, at: datetime) -> None:
        self.beats[(org_id, cluster_id)] = (at, self._clock.now())

    def last_seen(self, org_id: str, cluster_id: str) -> datetime | None:
        """The last beat, or ``None`` once it is older than the TTL (the key expired)."""
        found = self.beats.get((org_id, cluster_id))
        if found is None or self._clock.now() - found[1] >= HEARTBEAT_TTL:
            return None
        return found[0]
