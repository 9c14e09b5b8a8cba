"""Dashboard numbers: monthly spend, projected spend and savings (CORE-API metrics, MOD-SPOT-01, MOD-PACK-01)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.domain.inventory import StoredInstance
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import PackingPolicy, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_policy import carried_policy
from spothive.domain.rightsizing_ec2 import Ec2Recommendation
from spothive.domain.rightsizing_savings import SizingSavings
from spothive.domain.spend import PricedNode, Spend, after_spot_moves, price_nodes, spot_moves, total
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.pricing import CatalogSource
from spothive.services.plan_inputs import ClusterPolicies
from spothive.services.pool_choice import PoolChoice
from spothive.services.utilization import RightSizing
from spothive.services.workload_sizing import WorkloadRightSizing


@dataclass(frozen=True, slots=True)
class ClusterProjection:
    """Unoptimized vs optimized spend of one cluster, and how the optimized figure was reached."""

    cluster_id: str
    unoptimized: Spend
    optimized: Spend
    basis: str  # "planner" (pods known) | "spot-only" (nodes only)
    moves: list[dict[str, Any]]
    optimality_gap: float | None = None
    #: EC2 right-sizing of the cluster's nodes from CloudWatch (nodes with a cheaper fitting type only).
    rightsizing: list[Ec2Recommendation] = field(default_factory=list)
    #: The cluster planned with and without the workloads' recommended requests (None: no snapshot).
    with_rightsizing: SizingSavings | None = None

    @property
    def monthly_savings(self) -> float:
        """USD a month."""
        return round(self.unoptimized.monthly - self.optimized.monthly, 2)


@dataclass(frozen=True, slots=True)
class Kpis:
    """The org's spend now and after every cluster's projection."""

    monthly_spend: float
    projected_monthly_spend: float
    unpriced_instances: int
    running_instances: int
    spot_instances: int
    clusters: int

    @property
    def monthly_savings(self) -> float:
        """USD a month."""
        return round(self.monthly_spend - self.projected_monthly_spend, 2)


class MetricsService:
    """Use cases of ``/api/metrics``."""

    def __init__(
        self,
        inventory: InventoryRepo,
        catalogs: CatalogSource,
        snapshots: SnapshotStore,
        solver: MilpSolver | None = None,
        policies: ClusterPolicies | None = None,
        rightsizing: RightSizing | None = None,
        pools: PoolChoice | None = None,
        workloads: WorkloadRightSizing | None = None,
    ) -> None:
        self._workloads = workloads
        self._pools = pools
        self._rightsizing = rightsizing
        self._policies = policies
        self._inventory = inventory
        self._catalogs = catalogs
        self._snapshots = snapshots
        self._solver = solver

    def kpis(self, principal: Principal) -> Kpis:
        """Σ hourly price x 730 over running instances, and the same after each cluster's projection."""
        running = [s for s in self._inventory.list_instances(principal.org_id) if s.instance.state == "running"]
        catalog = self._catalogs.catalog()
        priced = price_nodes(catalog, (_node(s) for s in running))
        now = total(priced)
        by_cluster: dict[str, list[PricedNode]] = {}
        standalone: list[PricedNode] = []
        for stored, node in zip(running, priced, strict=True):
            cid = stored.instance.cluster_id
            (by_cluster.setdefault(cid, []) if cid else standalone).append(node)
        projected_hourly = total(standalone).hourly
        for cluster_id, nodes in by_cluster.items():
            projected_hourly += _projected_hourly(self._project(principal.org_id, cluster_id, nodes), nodes)
        return Kpis(
            monthly_spend=now.monthly,
            projected_monthly_spend=Spend(projected_hourly, 0).monthly,
            unpriced_instances=now.unpriced,
            running_instances=len(running),
            spot_instances=sum(1 for s in running if s.instance.lifecycle == "spot"),
            clusters=len(by_cluster),
        )

    def projection(self, principal: Principal, cluster_id: str) -> ClusterProjection:
        """Unoptimized vs optimized spend of one of the caller's clusters."""
        if self._inventory.get_cluster(principal.org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        running = [
            s for s in self._inventory.list_instances(principal.org_id, cluster_id) if s.instance.state == "running"
        ]
        nodes = price_nodes(self._catalogs.catalog(), (_node(s) for s in running))
        projection = self._project(principal.org_id, cluster_id, nodes)
        if self._workloads is not None:
            projection = replace(projection, with_rightsizing=self._workloads.repacked(principal.org_id, cluster_id))
        if self._rightsizing is None:
            return projection
        recs = [r for r in self._rightsizing.for_stored(principal.org_id, running) if r.target is not None]
        return replace(projection, rightsizing=recs)

    def _policy(self, org_id: str, cluster_id: str, snapshot: dict[str, Any]) -> PackingPolicy:
        if self._policies is None:
            return carried_policy(snapshot)
        return self._policies.for_cluster(org_id, cluster_id, snapshot)

    def _project(self, org_id: str, cluster_id: str, nodes: list[PricedNode]) -> ClusterProjection:
        catalog = self._catalogs.catalog()
        snapshot = self._snapshots.latest(org_id, cluster_id)
        if snapshot is not None:
            policy = self._policy(org_id, cluster_id, snapshot)
            if self._pools is not None:  # the pools the optimizer would choose (it remembers; this only reads)
                plan = self._pools.plan(org_id, cluster_id, snapshot, catalog, policy, self._solver).plan
            else:
                plan = plan_consolidation(snapshot_from_dict(snapshot), catalog, policy, solver=self._solver)
            return ClusterProjection(
                cluster_id,
                Spend(round(plan.cost_before_per_hour, 6), 0),
                Spend(round(plan.cost_after_per_hour, 6), 0),
                "planner",
                [dict(a) for a in plan.actions],
                optimality_gap=round(plan.gap, 4),
            )
        moves = spot_moves(catalog, nodes)
        return ClusterProjection(
            cluster_id, total(nodes), after_spot_moves(nodes, moves), "spot-only",
            [{"type": "replace", "node": m.instance_id, "target": f"{m.instance_type} spot {m.zone}",
              "reason": m.reason} for m in moves],
        )


def _projected_hourly(projection: ClusterProjection, nodes: list[PricedNode]) -> float:
    """A cluster's projected spend from its discovered nodes: today's price less the plan's saving, which
    can never exceed what the cluster costs (a snapshot describes pods, not the bill)."""
    today = total(nodes).hourly
    saving = projection.unoptimized.hourly - projection.optimized.hourly
    return today - min(max(saving, 0.0), today)


def _node(stored: StoredInstance) -> tuple[str, str, str, str]:
    i = stored.instance
    return i.instance_id, i.instance_type, i.lifecycle, i.zone
