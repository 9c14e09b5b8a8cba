"""Atomic action groups: a drain never runs without the capacity that takes its pods.

A plan's actions are joined into groups: every drained or emptied node with the new nodes that receive its
pods (and, transitively, the other nodes whose pods share those new nodes); new nodes that only take pending
pods form their own group. A group is approved or blocked as a whole, and carries its saving (prices of the
nodes it removes less those it adds), a reason and evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spothive.domain.packing.model import Plan


@dataclass(frozen=True, slots=True)
class ActionGroup:
    """Actions that run together or not at all."""

    id: str
    actions: tuple[Mapping[str, Any], ...]
    saving_per_hour: float
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def nodes(self) -> frozenset[str]:
        """Every node an action of the group names."""
        return frozenset(str(a.get("node")) for a in self.actions)

    def to_dict(self, status: str, why: str = "") -> dict[str, Any]:
        """JSON form with its status (approved, blocked, skipped)."""
        return {
            "id": self.id,
            "status": status,
            "saving_per_hour": round(self.saving_per_hour, 6),
            "reason": why or self.reason,
            "evidence": dict(self.evidence),
            "actions": [dict(a) for a in self.actions],
        }


def action_groups(plan: Plan) -> list[ActionGroup]:
    """The plan's actions in atomic groups (see the module doc), in plan order of their first action."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    new = {n.name for n in plan.nodes if n.new}
    for a in plan.actions:
        find(str(a.get("node")))
        if a.get("type") in ("drain_node", "move_pods"):
            for pod in a.get("pods", []):
                dest = plan.placements.get(str(pod))
                if dest in new:
                    union(str(a["node"]), dest)
    members: dict[str, list[Mapping[str, Any]]] = {}
    for a in plan.actions:
        members.setdefault(find(str(a.get("node"))), []).append(a)
    groups: list[ActionGroup] = []
    for k, acts in enumerate(members.values(), start=1):
        removed = [a for a in acts if a.get("type") == "remove_node"]
        added = [a for a in acts if a.get("type") == "add_node"]
        saving = sum(float(a.get("price_per_hour", 0)) for a in removed) - sum(
            float(a.get("price_per_hour", 0)) for a in added
        )
        moved = sum(len(a.get("pods", [])) for a in acts if a.get("type") in ("drain_node", "move_pods"))
        risky = sorted({str(a["risk"]["pool"]) for a in acts if isinstance(a.get("risk"), Mapping)})
        reason = (
            f"remove {len(removed)} node(s) and add {len(added)} to take their {moved} pods: "
            f"saves ${saving:.4f}/h"
            if removed
            else f"add {len(added)} node(s) for pending pods"
            if added and not moved
            else f"move {moved} pods onto {len(added)} new node(s) so other nodes can go"
        )
        evidence: dict[str, Any] = {
            "removed": [str(a["node"]) for a in removed],
            "added": [str(a["node"]) for a in added],
            "pods_moved": moved,
        }
        if risky:  # leaving a flagged pool is worth a cost: stability over savings
            evidence |= {"risk_move": True, "pools_left": risky}
            cost = f"costs ${-saving:.4f}/h more" if saving < 0 else f"saves ${saving:.4f}/h"
            reason = (f"risk move: {len(removed)} node(s) leave flagged Spot pool(s) {', '.join(risky)}, "
                      f"{moved} pods onto {len(added)} new node(s); {cost} (stability over savings)")
        groups.append(ActionGroup(f"g{k:03d}", tuple(acts), saving, reason, evidence))
    return groups


@dataclass(frozen=True, slots=True)
class GroupDecision:
    """Each group's status; ``planned = approved + blocked + skipped`` by construction."""

    approved: tuple[ActionGroup, ...]
    blocked: tuple[tuple[ActionGroup, str], ...]
    skipped: tuple[tuple[ActionGroup, str], ...]

    @property
    def counts(self) -> dict[str, int]:
        """planned, approved, blocked and skipped group counts."""
        a, b, s = len(self.approved), len(self.blocked), len(self.skipped)
        return {"planned": a + b + s, "approved": a, "blocked": b, "skipped": s}

    @property
    def approved_saving_per_hour(self) -> float:
        """Saving of the approved groups only."""
        return sum(g.saving_per_hour for g in self.approved)

    def to_dict(self) -> dict[str, Any]:
        """Counts, the approved saving and every group with its status."""
        return {
            **self.counts,
            "approved_saving_per_hour": round(self.approved_saving_per_hour, 6),
            "groups": [g.to_dict("approved") for g in self.approved]
            + [g.to_dict("blocked", why) for g, why in self.blocked]
            + [g.to_dict("skipped", why) for g, why in self.skipped],
        }


def decide_groups(
    groups: list[ActionGroup],
    blocked_nodes: Mapping[str, str],
    max_removals: int | None = None,
) -> GroupDecision:
    """Block every group naming a blocked node (with that node's reason); skip groups that would exceed the
    disruption budget (``max_removals`` nodes removed per run; risk moves first, then largest saving first:
    leaving a flagged pool counts within the budget and comes before any saving); approve the rest."""
    approved: list[ActionGroup] = []
    blocked: list[tuple[ActionGroup, str]] = []
    skipped: list[tuple[ActionGroup, str]] = []
    removals = 0
    for g in sorted(groups, key=lambda g: (not g.evidence.get("risk_move", False), -g.saving_per_hour, g.id)):
        hit = sorted(g.nodes & blocked_nodes.keys())
        if hit:
            blocked.append((g, blocked_nodes[hit[0]]))
            continue
        n = len(g.evidence.get("removed", []))
        if max_removals is not None and removals + n > max_removals:
            skipped.append((g, f"skipped: the disruption budget allows {max_removals} node removals per run"))
            continue
        removals += n
        approved.append(g)
    order = {g.id: i for i, g in enumerate(groups)}
    approved.sort(key=lambda g: order[g.id])
    return GroupDecision(tuple(approved), tuple(blocked), tuple(skipped))
