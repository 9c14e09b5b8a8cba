"""Risk-aware pool choice: the step every plan of a cluster goes through (projection, preview, execution).

Candidate Spot pools (the policy's families and architectures) are scored by the risk model and the hive
mind (``score_pools``: DANGER flags out, WARN pools floored); pools SpotHive fell back from stay out until
the hysteresis rule returns them (``domain.pool_recovery``); the packer then plans only on the pools this
ranking keeps, spreading new Spot nodes over pools, and Spot nodes already in a DANGER-flagged pool are
planned out of it (``domain.pool_moves``). Every new node's reason names its pool and why
(``domain.pool_choice``). Only the detect step records what it saw (``remember``): the projection reads
the same watches and computes the same plan without writing.

The risk model here is meant to be the Advisor-bucket heuristic: the projection runs in the API functions,
where LightGBM never loads, and a projection that disagreed with the preview would be a broken promise;
the production model still scores the chosen pools at the risk step, and the decision blocks any it finds
high-risk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from spothive.domain.catalog import Catalog
from spothive.domain.errors import ServiceUnavailable
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import PackingPolicy, Plan, Snapshot, snapshot_from_dict
from spothive.domain.packing.problem import BURSTABLE_PREFIXES
from spothive.domain.pool_choice import PoolView, explain_choices, flag_phrase
from spothive.domain.pool_moves import PDB_DEFERRED, plan_with_risk_moves
from spothive.domain.pool_recovery import HOLD, RETURN_RATIO, Standing, observe, settle, unsafe_reason
from spothive.domain.pricing import is_flagged, pool_key
from spothive.domain.risk_signals import FlagLevel, PoolFlag
from spothive.ports.clock import Clock
from spothive.ports.pool_watch import PoolWatchStore
from spothive.ports.risk import RiskModel
from spothive.services.hive_mind import HiveMind
from spothive.services.optimization_risk import score_pools

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChosenPlan:
    """The plan on the chosen pools, what the choice saw, and the nodes that stayed in flagged pools."""

    plan: Plan
    view: PoolView
    policy: PackingPolicy
    stays: Mapping[str, str] = field(default_factory=dict)
    standings: tuple[Standing, ...] = ()
    degraded: bool = False
    reason: str | None = None

    @property
    def deferred(self) -> list[str]:
        """Nodes still in a flagged pool only because a PDB let no more pods move in this plan: plan again
        once this plan's moves are done."""
        return sorted(n for n, why in self.stays.items() if why == PDB_DEFERRED)

    def summary(self) -> dict[str, Any]:
        """JSON form stored with the detected plan."""
        return {
            "flagged": sorted(f.key for f in self.view.danger()),
            "held": {s.pool: s.reason for s in self.standings if s.held},
            "returned": {s.pool: s.reason for s in self.standings if not s.held},
            "stays": dict(self.stays),
            "deferred": self.deferred,
            "risk_moves": sum(1 for a in self.plan.actions if a.get("type") == "remove_node" and a.get("risk")),
            "degraded": self.degraded,
            "reason": self.reason,
        }


def candidate_pools(catalog: Catalog, policy: PackingPolicy, snapshot: Snapshot) -> list[tuple[str, str]]:
    """Every Spot ``(zone, type)`` pool the packer could offer under ``policy``, and those the cluster runs."""
    archs = set(policy.architectures)
    if not archs:
        archs = {t.arch for n in snapshot.nodes if (t := catalog.get(n.instance_type)) is not None} or {"amd64"}
    pools = {(n.zone, n.instance_type) for n in snapshot.nodes if n.capacity_type == "spot"}
    if policy.spot_allowed:
        for itype in catalog.types.values():
            if itype.ondemand_price is None or itype.arch not in archs:
                continue
            if policy.families and itype.family not in policy.families:
                continue
            if not policy.families and itype.family.startswith(BURSTABLE_PREFIXES):
                continue
            pools.update((zone, itype.name) for zone, _ in catalog.spot_zones(itype.name))
    return sorted(pools)


class PoolChoice:
    """Plans a cluster on the pools the hive mind's ranking keeps (see the module doc)."""

    def __init__(self, risk_model: RiskModel, hive: HiveMind, clock: Clock, watches: PoolWatchStore | None = None,
                 *, hold: timedelta = HOLD, ratio: float = RETURN_RATIO) -> None:
        self._model = risk_model
        self._hive = hive
        self._clock = clock
        self._watches = watches
        self._hold = hold
        self._ratio = ratio

    def plan(self, org_id: str, cluster_id: str, snapshot: Mapping[str, Any], catalog: Catalog,
             policy: PackingPolicy, solver: MilpSolver | None = None, *, remember: bool = False) -> ChosenPlan:
        """The cluster's plan on the chosen pools; ``remember`` stores the hysteresis watches (detect only)."""
        now = self._clock.now()
        snap = snapshot_from_dict(snapshot)
        scored = score_pools(candidate_pools(catalog, policy, snap), catalog, self._model, self._hive, now)
        probabilities: dict[str, float] = dict(scored["probabilities"])
        flags = {k: _flag(v) for k, v in scored.get("flag_details", {}).items()}
        danger = {pool_key(f.zone, f.instance_type): f for f in flags.values() if f.level is FlagLevel.DANGER}
        reasons = [scored["reason"]] if scored["reason"] else []
        limit = policy.max_interruption_probability
        unsafe = {p: unsafe_reason(0.0, limit, True, f.count) or "" for p, f in danger.items()}
        for n in snap.nodes:  # a pool the cluster runs Spot in and that is over the limit: it falls back too
            key = pool_key(n.zone, n.instance_type)
            why = unsafe_reason(probabilities.get(key, 0.0), limit, False) if n.capacity_type == "spot" else None
            if why and key not in unsafe:
                unsafe[key] = why
        stored = {}
        if self._watches is not None:
            try:
                stored = self._watches.get(org_id, cluster_id)
            except ServiceUnavailable as exc:
                reasons.append(f"pool watches unreadable ({exc.message}): live flags only")
        held, standings = settle(observe(stored, unsafe, now), probabilities, limit, now,
                                 hold=self._hold, ratio=self._ratio)
        if remember and self._watches is not None:
            try:
                self._watches.put(org_id, cluster_id, held)
            except ServiceUnavailable as exc:
                reasons.append(f"pool watches not stored ({exc.message})")
        view = PoolView(probabilities, flags, {s.pool: s.reason for s in standings if s.held and s.pool not in danger},
                        self._hive.window_seconds // 60, now)
        chosen = replace(policy, pool_risk={**policy.pool_risk, **probabilities},
                         flagged_pools=policy.flagged_pools | frozenset(scored["flagged"]) | frozenset(held))
        leaving = {n.name: flag_phrase(danger[pool_key(n.zone, n.instance_type)], view)
                   for n in snap.nodes if n.capacity_type == "spot" and is_flagged(danger, n.zone, n.instance_type)}
        plan, stays = plan_with_risk_moves(snap, catalog, chosen, leaving, solver)
        return ChosenPlan(explain_choices(plan, view), view, chosen, stays, tuple(standings),
                          bool(scored["degraded"]) or bool(reasons), "; ".join(reasons) or None)


def _flag(data: Mapping[str, Any]) -> PoolFlag:
    return PoolFlag(str(data["zone"]), str(data["instance_type"]), FlagLevel(str(data["level"])),
                    int(data.get("count") or 0), data.get("last_seen"))
