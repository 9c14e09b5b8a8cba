"""Dashboard numbers: monthly spend, projected spend and savings (CORE-API metrics, MOD-SPOT-01, MOD-PACK-01)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.domain.jobs import JobStatus
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.price_freshness import combined_basis
from spothive.domain.projection import PlanOutcome, outcome_of
from spothive.domain.rightsizing_ec2 import Ec2Recommendation
from spothive.domain.rightsizing_savings import SizingSavings
from spothive.domain.spend import PricedNode, Spend, total
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.jobs import ClusterJobs
from spothive.ports.pricing import CatalogSource
from spothive.ports.risk import RiskModel
from spothive.services.cluster_plan import ClusterPlanner, PlanNow
from spothive.services.hive_mind import HiveMind
from spothive.services.plan_inputs import ClusterPolicies
from spothive.services.pool_choice import PoolChoice
from spothive.services.regional_pricing import price_by_region
from spothive.services.risk_heuristic import HeuristicRiskModel
from spothive.services.utilization import RightSizing
from spothive.services.workload_sizing import WorkloadRightSizing

#: How many of a cluster's newest jobs the projection looks through for a preview of the same inputs.
RECENT_JOBS = 10


@dataclass(frozen=True, slots=True)
class ClusterProjection:
    """Unoptimized vs optimized spend of one cluster, and how the optimized figure was reached.

    ``optimized`` is the spend after the **approved** actions only (blocked and skipped ones save nothing).
    ``source`` is ``preview`` when the cluster's latest preview covers the same inputs (its risk answers and
    decision are shown as they are), else ``estimate``: the same pipeline run now with the API's risk model,
    before the preview's risk check (which may block more)."""

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
    outcome: PlanOutcome | None = None
    source: str = "estimate"  # "preview" | "estimate"
    preview_job_id: str | None = None
    #: fingerprint, policy_version, template_id and template_version the plan was made on
    inputs: Mapping[str, Any] = field(default_factory=dict)
    risk_model: str | None = None
    decision: Mapping[str, Any] = field(default_factory=dict)
    #: True when a price used was not a fresh one of the cluster's region (stale + 10 %, or the snapshot's)
    prices_estimated: bool = False
    #: When the oldest price used was fetched (None: the shipped snapshot's)
    prices_as_of: datetime | None = None

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
    #: True when a price used was not a fresh one of its instance's region
    prices_estimated: bool = False
    #: When the oldest price used was fetched (None: the shipped snapshot's, or no instance)
    prices_as_of: datetime | None = None

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
        *,
        jobs: ClusterJobs | None = None,
        risk_model: RiskModel | None = None,
        hive: HiveMind | None = None,
        clock: Clock | None = None,
        workloads: WorkloadRightSizing | None = None,
    ) -> None:
        self._workloads = workloads
        self._rightsizing = rightsizing
        self._inventory = inventory
        self._catalogs = catalogs
        self._snapshots = snapshots
        self._planner = ClusterPlanner(inventory, catalogs, snapshots, solver=solver, policies=policies, pools=pools)
        self._jobs = jobs
        # never LightGBM here: the API functions answer with the Advisor-bucket heuristic (ADR 0013)
        self._risk_model: RiskModel = risk_model or HeuristicRiskModel()
        self._hive = hive
        self._clock = clock

    def kpis(self, principal: Principal) -> Kpis:
        """Σ hourly price x 730 over running instances, and the same after each cluster's projection."""
        running = [s for s in self._inventory.list_instances(principal.org_id) if s.instance.state == "running"]
        priced, catalogs = price_by_region(self._catalogs, [s.instance for s in running])
        now = total(priced)
        by_cluster: dict[str, list[PricedNode]] = {}
        standalone: list[PricedNode] = []
        for stored, node in zip(running, priced, strict=True):
            cid = stored.instance.cluster_id
            (by_cluster.setdefault(cid, []) if cid else standalone).append(node)
        projected_hourly = total(standalone).hourly
        estimated, as_of = combined_basis(catalogs.values())
        for cluster_id, nodes in by_cluster.items():
            projection = self._project(principal.org_id, cluster_id, nodes)
            projected_hourly += _projected_hourly(projection, nodes)
            estimated = estimated or projection.prices_estimated
        return Kpis(
            monthly_spend=now.monthly,
            projected_monthly_spend=Spend(projected_hourly, 0).monthly,
            unpriced_instances=now.unpriced,
            running_instances=len(running),
            spot_instances=sum(1 for s in running if s.instance.lifecycle == "spot"),
            clusters=len(by_cluster),
            prices_estimated=estimated,
            prices_as_of=as_of,
        )

    def projection(self, principal: Principal, cluster_id: str) -> ClusterProjection:
        """Unoptimized vs optimized spend of one of the caller's clusters."""
        if self._inventory.get_cluster(principal.org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        running = [
            s for s in self._inventory.list_instances(principal.org_id, cluster_id) if s.instance.state == "running"
        ]
        nodes, _ = price_by_region(self._catalogs, [s.instance for s in running])
        projection = self._project(principal.org_id, cluster_id, nodes)
        if self._workloads is not None:
            projection = replace(projection, with_rightsizing=self._workloads.repacked(principal.org_id, cluster_id))
        if self._rightsizing is None:
            return projection
        recs = [r for r in self._rightsizing.for_stored(principal.org_id, running) if r.target is not None]
        return replace(projection, rightsizing=recs)

    def _project(self, org_id: str, cluster_id: str, nodes: list[PricedNode]) -> ClusterProjection:
        """The cluster's latest preview when it covers the same inputs, else the same pipeline run now."""
        inputs = self._planner.inputs(org_id, cluster_id)
        preview = self._preview(org_id, cluster_id, inputs)
        if preview is not None:
            job_id, plan_now = preview
        else:
            job_id = None
            now = self._clock.now() if self._clock is not None else datetime.now(UTC)
            plan_now = self._planner.now(org_id, cluster_id, self._risk_model, self._hive, now)
        detected, outcome = plan_now.detected, plan_now.outcome
        plan = detected.get("plan")
        if isinstance(plan, dict):
            basis, moves = "planner", [dict(a) for a in plan.get("actions", ())]
            unoptimized = Spend(outcome.before_per_hour, 0)
            gap = plan.get("optimality_gap")
        else:
            basis, gap = "spot-only", None
            moves = [{"type": "replace", "node": m["node"], "target": f"{m['instance_type']} spot {m['zone']}",
                      "reason": m["reason"]} for m in detected.get("spot", ())]
            unoptimized = Spend(outcome.before_per_hour, total(nodes).unpriced)
        return ClusterProjection(
            cluster_id, unoptimized, Spend(outcome.after_per_hour, 0), basis, moves,
            optimality_gap=round(float(gap), 4) if gap is not None else None, outcome=outcome,
            source="preview" if job_id else "estimate", preview_job_id=job_id,
            inputs=dict(detected.get("inputs") or {}), risk_model=plan_now.risk.get("model"),
            decision=plan_now.decision, **_prices(detected.get("prices")),
        )

    def _preview(self, org_id: str, cluster_id: str, inputs: Mapping[str, Any]) -> tuple[str, PlanNow] | None:
        """The newest finished preview planned on exactly ``inputs`` (same snapshot, same policy versions)."""
        if self._jobs is None:
            return None
        for job in self._jobs.recent(org_id, cluster_id, RECENT_JOBS):
            detected, decision = job.data.get("detect"), job.data.get("decision")
            if not (job.dry_run and job.status == JobStatus.SUCCEEDED and isinstance(detected, dict)
                    and isinstance(decision, dict)):
                continue
            if detected.get("inputs") == dict(inputs):
                risk = job.data.get("risk") or {}
                return job.job_id, PlanNow(detected, risk, decision, outcome_of(detected, decision))
        return None


def _projected_hourly(projection: ClusterProjection, nodes: list[PricedNode]) -> float:
    """A cluster's projected spend from its discovered nodes: today's price less the plan's saving, which
    can never exceed what the cluster costs (a snapshot describes pods, not the bill)."""
    today = total(nodes).hourly
    saving = projection.unoptimized.hourly - projection.optimized.hourly
    return today - min(max(saving, 0.0), today)


def _prices(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """A plan's recorded price basis as ``ClusterProjection`` fields (a plan without one: estimated)."""
    if not isinstance(stored, Mapping):
        return {"prices_estimated": True, "prices_as_of": None}
    as_of = stored.get("prices_as_of")
    return {"prices_estimated": bool(stored.get("prices_estimated")),
            "prices_as_of": datetime.fromisoformat(as_of) if isinstance(as_of, str) else None}
