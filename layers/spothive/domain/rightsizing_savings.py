"""What right-sizing unlocks: re-plan the cluster with the recommended requests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spothive.domain.catalog import Catalog
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import PackingPolicy, Plan, Snapshot
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.rightsizing import Recommendation, apply_recommendations


@dataclass(frozen=True, slots=True)
class SizingSavings:
    """Consolidation plans with today's requests and with the recommended ones."""

    plan_current: Plan
    plan_resized: Plan

    @property
    def extra_savings_per_hour(self) -> float:
        """What right-sizing adds on top of consolidation alone (USD/h)."""
        return self.plan_current.cost_after_per_hour - self.plan_resized.cost_after_per_hour


def rightsizing_savings(
    snapshot: Snapshot, catalog: Catalog, policy: PackingPolicy, recs: Iterable[Recommendation],
    solver: MilpSolver | None = None,
) -> SizingSavings:
    """Plan with current requests and with recommended requests; the difference is what resizing unlocks."""
    current = plan_consolidation(snapshot, catalog, policy, solver=solver)
    resized = plan_consolidation(apply_recommendations(snapshot, recs), catalog, policy, solver=solver)
    return SizingSavings(current, resized)
