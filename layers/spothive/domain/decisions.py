"""Decision engine (CORE-DECIDE): merge spot, packing and sizing recommendations; stability beats savings."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from spothive.domain.action_groups import GroupDecision, action_groups, decide_groups
from spothive.domain.catalog import Catalog
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import PackingPolicy, Plan, Snapshot
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.pricing import is_flagged, pool_key, risk_flag_key
from spothive.domain.rightsizing import Recommendation

#: Execution order: capacity first, then replacements, then drains/removals, then request changes.
ORDER = {
    "add_node": 0,
    "replace_with_spot": 1,
    "move_pods": 2,
    "drain_node": 3,
    "remove_node": 4,
    "resize": 5,
}


@dataclass(frozen=True, slots=True)
class RiskView:
    """Pool risk as the decision engine sees it: monthly probabilities, hive-mind flags and the threshold."""

    probabilities: Mapping[str, float] = field(default_factory=dict)
    flagged: Collection[str] = frozenset()
    threshold: float = 0.2

    def high_risk(self, capacity_type: str, zone: str, instance_type: str) -> tuple[bool, float]:
        """(is the pool high-risk, its probability); on-demand pools are never high-risk."""
        if capacity_type != "spot":
            return False, 0.0
        prob = self.probabilities.get(
            pool_key(zone, instance_type), self.probabilities.get(instance_type, 0.0)
        )
        return is_flagged(self.flagged, zone, instance_type) or prob > self.threshold, prob


@dataclass(frozen=True, slots=True)
class SpotReplacement:
    """Replace an on-demand node with a spot node of ``instance_type`` in ``zone``."""

    node: str
    instance_type: str
    zone: str
    saving_per_hour: float
    reason: str


@dataclass(frozen=True, slots=True)
class Action:
    """An ordered, explained step; ``approved`` False when a conflict rule blocked it."""

    type: str
    target: str
    reason: str
    evidence: Mapping[str, Any]
    approved: bool = True
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionPlan:
    """Approved actions in execution order, and the blocked ones with why."""

    actions: tuple[Action, ...]
    blocked: tuple[Action, ...]
    groups: GroupDecision | None = None  # the plan's atomic groups with their status and counts


def resolve_conflicts(
    plan: Plan,
    spot: Sequence[SpotReplacement] = (),
    sizing: Sequence[Recommendation] = (),
    risk: RiskView | None = None,
) -> ActionPlan:
    """Merge recommendations into one ordered plan.

    Rules: a node removal is blocked when a node receiving its pods is high-risk (probability above the
    threshold or flagged), and with it its whole atomic group (the new nodes taking its pods and the other
    drains sharing them: a drain never runs without its capacity); a spot replacement into a
    high-risk pool is blocked; a replacement of a node the packer removes is superseded; unconfident sizing
    is skipped.
    """
    risk = risk or RiskView()
    nodes = {n.name: n for n in plan.nodes}
    removed = {a["node"] for a in plan.actions if a.get("type") == "remove_node"}
    drains = {
        a["node"]: list(a.get("pods", []))
        for a in plan.actions
        if a.get("type") in ("drain_node", "move_pods")
    }
    approved: list[Action] = []
    blocked: list[Action] = []
    blocked_nodes: set[str] = set()
    for source, pods in sorted(drains.items()):
        risky = []
        for pod in pods:
            dest = nodes.get(plan.placements.get(pod, ""))
            if dest is None:
                continue
            high, prob = risk.high_risk(dest.capacity_type, dest.zone, dest.instance_type)
            if high:
                risky.append((dest.name, prob))
        if risky:
            blocked_nodes.add(source)
            dest_name, prob = max(risky, key=lambda t: t[1])
            blocked.append(
                Action(
                    "remove_node" if source in removed else "move_pods",
                    source,
                    f"blocked: pods of {source} would land on high-risk {dest_name} (stability over savings)",
                    {
                        "destination": dest_name,
                        "interruption_probability": prob,
                        "threshold": risk.threshold,
                        "flagged": [
                            d
                            for d, _ in risky
                            if is_flagged(risk.flagged, nodes[d].zone, nodes[d].instance_type)
                        ],
                    },
                    approved=False,
                )
            )
    reasons = {b.target: b.reason for b in blocked}
    grouped = decide_groups(action_groups(plan), reasons)
    for g, why in grouped.blocked:
        for source in sorted(g.nodes & drains.keys() - blocked_nodes):
            blocked_nodes.add(source)
            blocked.append(
                Action(
                    "remove_node" if source in removed else "move_pods",
                    source,
                    f"blocked with its atomic group {g.id}: {why}",
                    {"group": g.id},
                    approved=False,
                )
            )
        blocked_nodes.update(g.nodes)
    by_node = {d.evidence.get("node", ""): d for d in plan.decisions}
    decisions = {(d.action, _subject(d.reason)): d for d in plan.decisions}
    for a in plan.actions:
        kind, node = str(a.get("type")), str(a.get("node"))
        if node in blocked_nodes:
            continue
        d = decisions.get((kind if kind != "drain_node" else "remove_node", node)) or by_node.get(node)
        reason = d.reason if d else f"{kind} {node}"
        evidence = dict(d.evidence) if d else {}
        approved.append(
            Action(kind, node, reason, evidence, True, {k: v for k, v in a.items() if k != "type"})
        )
    for r in spot:
        if r.node in removed and r.node not in blocked_nodes:
            blocked.append(
                Action(
                    "replace_with_spot",
                    r.node,
                    f"superseded: {r.node} is removed by consolidation",
                    {"saving_per_hour": r.saving_per_hour},
                    approved=False,
                )
            )
            continue
        high, prob = risk.high_risk("spot", r.zone, r.instance_type)
        evidence = {
            "instance_type": r.instance_type,
            "zone": r.zone,
            "saving_per_hour": r.saving_per_hour,
            "interruption_probability": prob,
        }
        if high:
            blocked.append(
                Action(
                    "replace_with_spot",
                    r.node,
                    f"blocked: spot pool {r.zone}:{r.instance_type} is high-risk",
                    evidence,
                    False,
                )
            )
        else:
            approved.append(Action("replace_with_spot", r.node, r.reason, evidence))
    for s in sizing:
        target = f"{s.namespace}/{s.pod}/{s.container}"
        evidence = {
            "cpu_m": s.cpu_m,
            "memory_mib": s.memory_mib,
            "history_hours": round(s.history_s / 3600, 2),
        }
        if s.confident:
            approved.append(Action("resize", target, s.reason, evidence))
        else:
            blocked.append(Action("resize", target, s.reason, evidence, False))
    approved.sort(key=lambda a: ORDER.get(a.type, 9))
    return ActionPlan(tuple(approved), tuple(blocked), grouped)


def _subject(reason: str) -> str:
    head = reason.split(" ", 1)[0]
    return head.rstrip(":")


def repair_plan(
    snapshot: Snapshot,
    catalog: Catalog,
    policy: PackingPolicy,
    plan: Plan,
    risk: RiskView,
    solver: MilpSolver | None = None,
) -> tuple[Plan, ActionPlan]:
    """Re-plan until the decision engine blocks no drain: blocked nodes stay with their pods in place.

    Each round keeps every node whose removal (or pod moves) was blocked and flags the high-risk pools that
    caused it, so no other pod is sent there; the blocked actions of every round are reported with the
    final, fully approved plan. Converges: every round keeps at least one more node.
    """
    keep: set[str] = set()
    flagged = set(policy.flagged_pools)
    blocked: list[Action] = []
    for _ in range(len(snapshot.nodes) + 1):
        result = resolve_conflicts(plan, risk=risk)
        sources = {a.target for a in result.blocked if a.type in ("remove_node", "move_pods")}
        if not sources:
            return plan, ActionPlan(result.actions, (*blocked, *result.blocked))
        blocked.extend(result.blocked)
        keep |= sources
        for n in plan.nodes:
            if risk.high_risk(n.capacity_type, n.zone, n.instance_type)[0]:
                flagged.add(risk_flag_key(n.zone, n.instance_type))
        pinned = tuple(
            replace(p, do_not_disrupt=True) if p.node in keep else p for p in snapshot.pods
        )
        plan = plan_consolidation(
            replace(snapshot, pods=pinned),
            catalog,
            replace(policy, flagged_pools=frozenset(flagged)),
            solver,
        )
    raise AssertionError("repair_plan did not converge")  # pragma: no cover - each round keeps a node
