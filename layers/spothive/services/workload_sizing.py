"""Right-sizing of a cluster's workloads (MOD-SIZE-01): usage history from the agent, recommendations, and
what they save once the cluster is re-packed with them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.errors import InvalidInput, NotFound, ServiceUnavailable
from spothive.domain.identity import Principal
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import PackingPolicy, Snapshot, snapshot_from_dict
from spothive.domain.plan_policy import carried_policy
from spothive.domain.price_freshness import DEFAULT_REGION
from spothive.domain.rightsizing import SizingPolicy
from spothive.domain.rightsizing_history import (
    MAX_PAGE,
    WorkloadHistory,
    WorkloadRecommendation,
    fold_sample,
    owner_of,
    pod_recommendations,
    recommend_workload,
    sample_observations,
    workload_key,
)
from spothive.domain.rightsizing_savings import SizingSavings, rightsizing_savings
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.pricing import CatalogSource
from spothive.ports.rightsizing import UsageHistories
from spothive.services.plan_inputs import ClusterPolicies

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkloadSizing:
    """One workload's recommendation beside the per-pod requests the latest snapshot shows."""

    recommendation: WorkloadRecommendation
    pods: int
    current_cpu_m: int | None
    current_memory_mib: int | None


@dataclass(frozen=True, slots=True)
class ClusterSizing:
    """A page of workloads, and the cluster's consolidation with and without the recommendations."""

    cluster_id: str
    workloads: list[WorkloadSizing]
    total: int
    next_cursor: str | None
    savings: SizingSavings | None  # None: no snapshot (pods unknown), so nothing to re-pack


class UsageFolder:
    """Folds each accepted usage sample into the cluster's workload histories (the agent's ``/usage``)."""

    def __init__(self, histories: UsageHistories, clock: Clock, policy: SizingPolicy | None = None) -> None:
        self._histories = histories
        self._clock = clock
        self._policy = policy or SizingPolicy()

    def record(self, org_id: str, cluster_id: str, sample: Mapping[str, Any]) -> None:
        """Fold a validated sample: one read and one write of the cluster's history."""
        observations = sample_observations(sample, self._clock.now())
        dropped: list[str] = []

        def update(stored: Mapping[str, WorkloadHistory], known: int) -> Mapping[str, WorkloadHistory]:
            changed, lost = fold_sample(stored, observations, known, self._policy)
            dropped[:] = lost
            return changed

        self._histories.fold(org_id, cluster_id, list(observations), update)
        if dropped:
            LOG.warning("right-sizing history of %s is full: %d new workloads not kept", cluster_id, len(dropped))


class WorkloadRightSizing:
    """``GET /api/clusters/{id}/rightsizing`` and the projection's ``with_rightsizing``."""

    def __init__(self, inventory: InventoryRepo, histories: UsageHistories, snapshots: SnapshotStore,
                 catalogs: CatalogSource, policies: ClusterPolicies | None = None, solver: MilpSolver | None = None,
                 policy: SizingPolicy | None = None) -> None:
        self._inventory = inventory
        self._histories = histories
        self._snapshots = snapshots
        self._catalogs = catalogs
        self._policies = policies
        self._solver = solver
        self._policy = policy or SizingPolicy()

    def for_cluster(self, principal: Principal, cluster_id: str, limit: int = 50,
                    cursor: str | None = None) -> ClusterSizing:
        """Workloads sorted by key after ``cursor``, at most ``limit``; another org's cluster is ``NotFound``."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be 1 to {MAX_PAGE}", field="limit")
        org_id = principal.org_id
        if self._inventory.get_cluster(org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        recs = self._recommendations(org_id, cluster_id)
        raw = self._snapshots.latest(org_id, cluster_id)
        snapshot = snapshot_from_dict(raw) if raw is not None else None
        keys = sorted(recs)
        after = [k for k in keys if cursor is None or k > cursor]
        page = after[:limit]
        current = _current_requests(snapshot)
        workloads = [WorkloadSizing(recs[k], *current.get(k, (0, None, None))) for k in page]
        savings = self._savings(org_id, cluster_id, raw, snapshot, recs) if raw and snapshot else None
        return ClusterSizing(cluster_id, workloads, len(keys), page[-1] if len(after) > limit else None, savings)

    def repacked(self, org_id: str, cluster_id: str) -> SizingSavings | None:
        """The cluster planned with and without the recommendations; ``None`` without a snapshot, or while the
        histories cannot be read (the projection stands without them)."""
        raw = self._snapshots.latest(org_id, cluster_id)
        if raw is None:
            return None
        try:
            recs = self._recommendations(org_id, cluster_id)
        except ServiceUnavailable as exc:
            LOG.warning("projection of %s without right-sizing: %s", cluster_id, exc)
            return None
        return self._savings(org_id, cluster_id, raw, snapshot_from_dict(raw), recs)

    def _recommendations(self, org_id: str, cluster_id: str) -> dict[str, WorkloadRecommendation]:
        return {k: recommend_workload(k, h, self._policy) for k, h in self._histories.all(org_id, cluster_id).items()}

    def _savings(self, org_id: str, cluster_id: str, raw: Mapping[str, Any], snapshot: Snapshot,
                 recs: Mapping[str, WorkloadRecommendation]) -> SizingSavings:
        pods = pod_recommendations(((p.namespace, p.name, p.owner) for p in snapshot.pods), recs)
        cluster = self._inventory.get_cluster(org_id, cluster_id)
        catalog = self._catalogs.catalog(cluster.region if cluster is not None else DEFAULT_REGION)
        return rightsizing_savings(snapshot, catalog, self._packing(org_id, cluster_id, raw), pods,
                                   solver=self._solver)

    def _packing(self, org_id: str, cluster_id: str, raw: Mapping[str, Any]) -> PackingPolicy:
        """The same packing policy the projection plans with."""
        if self._policies is None:
            return carried_policy(dict(raw))
        return self._policies.for_cluster(org_id, cluster_id, raw)


def _current_requests(snapshot: Snapshot | None) -> dict[str, tuple[int, int | None, int | None]]:
    """Per workload key: pods in the snapshot and the largest per-pod CPU and memory request among them."""
    out: dict[str, tuple[int, int | None, int | None]] = {}
    for p in snapshot.pods if snapshot is not None else ():
        key = workload_key(p.namespace, owner_of(p.name, p.owner))
        pods, cpu, memory = out.get(key, (0, 0, 0))
        out[key] = (pods + 1, max(cpu or 0, p.cpu_m), max(memory or 0, p.memory_mib))
    return out
