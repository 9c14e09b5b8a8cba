"""The plan of a cluster now: detect → assess risk → decide, shared by the preview and the projection.

The optimization workflow runs these three functions as separate steps (storing each result on the job);
the dashboard's projection runs them in one go without writing anything. Same inputs (the cluster's stored
policy and bound template, the latest snapshot, the catalog, the pool choice), same code: the two can only
differ by the risk answers they are given (see docs/adr/0013-projection-is-the-preview.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spothive.domain.automation import Threshold, apply_threshold
from spothive.domain.catalog import Catalog
from spothive.domain.decisions import Action, ActionPlan, RiskView, SpotReplacement, resolve_conflicts
from spothive.domain.execution import snapshot_fingerprint
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_policy import carried_policy
from spothive.domain.price_freshness import DEFAULT_REGION
from spothive.domain.projection import SPOT_REPLACEMENT, PlanOutcome, instances_fingerprint, outcome_of
from spothive.domain.spend import price_nodes, spot_opportunities, total
from spothive.domain.spot_replacement import kept_node_replacements
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.pricing import CatalogSource
from spothive.ports.risk import RiskModel
from spothive.services.hive_mind import HiveMind
from spothive.services.optimization_risk import score_pools
from spothive.services.plan_codec import empty_plan, plan_from_dict
from spothive.services.plan_inputs import ClusterPolicies, VersionedPolicy
from spothive.services.pool_choice import PoolChoice


def action_dict(action: Action) -> dict[str, Any]:
    """The JSON form of a decided action (what the audit ledger and the agent receive)."""
    return {"type": action.type, "target": action.target, "reason": action.reason,
            "evidence": dict(action.evidence), "details": dict(action.details)}


@dataclass(frozen=True, slots=True)
class PlanNow:
    """One run of the pipeline: what detect stored, the risk answers, the decision and its outcome."""

    detected: dict[str, Any]
    risk: dict[str, Any]
    decision: dict[str, Any]
    outcome: PlanOutcome


class ClusterPlanner:
    """Detect, assess and decide over ports only (the workflow's steps and the projection call it)."""

    def __init__(self, inventory: InventoryRepo, catalogs: CatalogSource, snapshots: SnapshotStore, *,
                 solver: MilpSolver | None = None, policies: ClusterPolicies | None = None,
                 pools: PoolChoice | None = None) -> None:
        self._inventory = inventory
        self._catalogs = catalogs
        self._snapshots = snapshots
        self._solver = solver
        self._policies = policies
        self._pools = pools

    def _policy(self, org_id: str, cluster_id: str, snapshot: Mapping[str, Any] | None) -> VersionedPolicy:
        if self._policies is not None:
            return self._policies.versioned(org_id, cluster_id, snapshot)
        return VersionedPolicy(carried_policy(snapshot or {}))

    def detect(self, org_id: str, cluster_id: str, *, remember: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
        """(what the detect step stores, its summary): the packer over the latest snapshot when there is one,
        else Spot-only moves; ``inputs`` names the snapshot (or instances) fingerprint, policy version and the
        region priced for; ``prices`` says whether those prices were estimated and as of when."""
        region = self.region(org_id, cluster_id)
        catalog = self._catalogs.catalog(region)
        snapshot = self._snapshots.latest(org_id, cluster_id)
        versioned = self._policy(org_id, cluster_id, snapshot)
        if snapshot is not None:
            policy = versioned.policy
            chosen = None
            if self._pools is not None:  # the same pool choice everywhere; only the detect step remembers it
                chosen = self._pools.plan(org_id, cluster_id, snapshot, catalog, policy, self._solver,
                                          remember=remember)
                plan = chosen.plan
            else:
                plan = plan_consolidation(snapshot_from_dict(snapshot), catalog, policy, solver=self._solver)
            used = chosen.policy if chosen is not None else policy

            def bucket(itype: str) -> int | None:
                entry = catalog.advisor.get(itype)
                return entry.bucket if entry is not None else None

            # a kept node never moves into a pool the choice keeps out (flagged, or held after a fallback)
            plan_doc = plan.to_dict()
            kept, spot_skipped = kept_node_replacements(snapshot, plan_doc, used, catalog.price, bucket,
                                                        used.flagged_pools)
            on_node: dict[str, int] = {}
            for pod in snapshot.get("pods") or []:
                on_node[str(pod.get("node"))] = on_node.get(str(pod.get("node")), 0) + 1
            # pods: what a replacement evicts (the automation threshold's disruption cost)
            spot_kept: list[dict[str, Any]] = [
                {"node": m.instance_id, "instance_type": m.instance_type, "zone": m.zone,
                 "saving_per_hour": m.saving_per_hour, "reason": m.reason, "pods": on_node.get(m.node, 0)}
                for m in kept]
            fingerprint = snapshot_fingerprint(snapshot)  # the preview's approval is bound to it
            detected: dict[str, Any] = {"basis": "planner", "plan": plan_doc, "spot": spot_kept,
                                        "spot_skipped": spot_skipped, "fingerprint": fingerprint}
            if chosen is not None:
                detected["pools"] = chosen.summary()
            before = plan.cost_before_per_hour
            after = round(plan.cost_after_per_hour - sum(m.saving_per_hour for m in kept), 6)
            targets = sorted({str(a.get("node")) for a in plan.actions} | {m.instance_id for m in kept})
        else:
            running = [s.instance for s in self._inventory.list_instances(org_id, cluster_id)
                       if s.instance.state == "running"]
            described = [(i.instance_id, i.instance_type, i.lifecycle, i.zone) for i in running]
            nodes = price_nodes(catalog, described)
            moves, spot_skipped = spot_opportunities(catalog, nodes)
            spot: list[dict[str, Any]] = [{"node": m.instance_id, "instance_type": m.instance_type, "zone": m.zone,
                     "saving_per_hour": round(m.on_demand_hourly - m.spot_hourly, 6), "reason": m.reason}
                    for m in moves]
            detected = {"basis": "spot-only", "plan": None, "spot": spot, "spot_skipped": spot_skipped}
            fingerprint = instances_fingerprint(described)
            before = total(nodes).hourly
            after = round(before - sum(m.on_demand_hourly - m.spot_hourly for m in moves), 6)
            targets = [m.instance_id for m in moves]
        detected["cost_before_per_hour"] = round(before, 6)
        detected["inputs"] = _inputs(fingerprint, versioned, region)
        detected["prices"] = prices_of(catalog)
        summary = {"basis": detected["basis"], "opportunities": len(targets), "targets": targets,
                   "cost_before_per_hour": round(before, 6), "cost_after_per_hour": round(after, 6),
                   **detected["prices"]}
        if detected["plan"] is not None:
            summary["optimality_gap"] = detected["plan"].get("optimality_gap")
        return detected, summary

    def inputs(self, org_id: str, cluster_id: str) -> dict[str, Any]:
        """What a plan of the cluster would be made on now (the ``inputs`` detect records), without planning."""
        snapshot = self._snapshots.latest(org_id, cluster_id)
        if snapshot is not None:
            fingerprint = snapshot_fingerprint(snapshot)
        else:
            fingerprint = instances_fingerprint(
                (s.instance.instance_id, s.instance.instance_type, s.instance.lifecycle, s.instance.zone)
                for s in self._inventory.list_instances(org_id, cluster_id) if s.instance.state == "running")
        return _inputs(fingerprint, self._policy(org_id, cluster_id, snapshot), self.region(org_id, cluster_id))

    def region(self, org_id: str, cluster_id: str) -> str:
        """The cluster's region (its stored record's; the catalog's default for a cluster not stored)."""
        cluster = self._inventory.get_cluster(org_id, cluster_id)
        return cluster.region if cluster is not None else DEFAULT_REGION

    def assess(self, detected: Mapping[str, Any], model: RiskModel, hive: HiveMind | None,
               now: datetime) -> dict[str, Any]:
        """Interruption probability of every target Spot pool by ``model`` and the hive mind's live flags."""
        region = str((detected.get("inputs") or {}).get("region") or DEFAULT_REGION)
        return score_pools(target_pools(detected), self._catalogs.catalog(region), model, hive, now)

    def now(self, org_id: str, cluster_id: str, model: RiskModel, hive: HiveMind | None,
            now: datetime) -> PlanNow:
        """The whole pipeline in one go, writing nothing (the projection's estimate)."""
        detected, _ = self.detect(org_id, cluster_id)
        risk = self.assess(detected, model, hive, now)
        decision = decide_plan(detected, risk)
        return PlanNow(detected, risk, decision, outcome_of(detected, decision))


def decide_plan(detected: Mapping[str, Any], risk: Mapping[str, Any],
                automation: Any = None) -> dict[str, Any]:
    """The stored decision: approved and blocked actions by the risk answers
    (CORE-DECIDE: stability over savings); an automated job's threshold holds back what does not pay off."""
    view = RiskView(probabilities=dict(risk.get("probabilities", {})), flagged=frozenset(risk.get("flagged", ())))
    plan = plan_from_dict(detected["plan"]) if detected.get("plan") else empty_plan()
    spot = [SpotReplacement(s["node"], s["instance_type"], s["zone"], float(s["saving_per_hour"]), s["reason"])
            for s in detected.get("spot", ())]
    decided = resolve_conflicts(plan, spot, risk=view)
    decision: dict[str, Any] = {}
    if isinstance(automation, dict):  # automated jobs run only what pays its disruption back
        threshold = Threshold.from_dict(automation.get("threshold"))
        held = apply_threshold(decided, threshold, pods_by_node(detected))
        decided = ActionPlan(held.actions, decided.blocked, held.groups)
        decision |= {"skipped": [action_dict(a) for a in held.held], "threshold": threshold.to_dict()}
    # Spot replacements a safety rule left out before risk was assessed: skipped, each saying why
    decision["skipped"] = [*decision.get("skipped", ()), *skipped_replacements(detected)]
    groups = decided.groups.to_dict() if decided.groups is not None else None
    decision |= {"approved": [action_dict(a) for a in decided.actions],
                 "blocked": [action_dict(a) for a in decided.blocked], "groups": groups}
    return decision


def skipped_replacements(detected: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The JSON actions of the Spot replacements detect left out (advisor bucket, policy, pinned pods, PDBs)."""
    return [{"type": SPOT_REPLACEMENT, "target": str(s["node"]), "reason": str(s["reason"]),
             "evidence": dict(s.get("evidence") or {}), "details": {}}
            for s in detected.get("spot_skipped", ())]


def _inputs(fingerprint: str, versioned: VersionedPolicy, region: str) -> dict[str, Any]:
    # the region is an input: a plan priced for another (or no) region is not reused for this one
    return {"fingerprint": fingerprint, "policy_version": versioned.version, "template_id": versioned.template_id,
            "template_version": versioned.template_version, "region": region}


def prices_of(catalog: Catalog) -> dict[str, Any]:
    """``prices_estimated`` and ``prices_as_of`` (ISO or None) of the prices a result was computed with."""
    as_of = catalog.prices_as_of
    return {"prices_estimated": catalog.prices_estimated, "prices_as_of": as_of.isoformat() if as_of else None}


def target_pools(detected: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every Spot ``(zone, type)`` pool the plan would put capacity in."""
    pools = {(s["zone"], s["instance_type"]) for s in detected.get("spot", ())}
    plan = detected.get("plan") or {}
    pools |= {(n["zone"], n["instance_type"]) for n in plan.get("nodes", ()) if n.get("capacity_type") == "spot"}
    return sorted(pools)


def pods_by_node(detected: Mapping[str, Any]) -> dict[str, int] | None:
    """Pods a Spot replacement evicts, by its target (``None`` for a Spot-only plan: pods unknown)."""
    if not isinstance(detected.get("plan"), dict):
        return None
    return {str(s["node"]): int(s.get("pods", 0)) for s in detected.get("spot", ())}
