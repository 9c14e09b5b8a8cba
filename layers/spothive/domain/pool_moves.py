"""Risk moves: Spot nodes in a pool the hive mind flags leave it, through the planner's safe sequence.

The consolidation planner on its own never moves a node out of a flagged pool (flags only keep new
capacity out). Here every Spot node in a DANGER-flagged pool whose pods may all move is planned away: its
workload pods are planned as if pending (keeping the architecture they run on), so the packer finds them
room on kept nodes or on new capacity from the pools it may still use (flagged and held pools are not
offered: another zone, another family, then On-Demand when the policy's fallback allows). The node is then
drained and removed in the same atomic group as that capacity, so nothing leaves before its replacement is
Ready. A node whose pods cannot all be placed stays (moving it would leave pods Pending); so does a node
running do-not-disrupt, excluded-namespace or system-critical pods, and one whose pods a PodDisruptionBudget
does not let move in this plan (risk moves spend the budgets first; the rest of the plan gets what is left). Such a move may cost more than it saves:
it is a risk move (stability over savings), and its reason and evidence say so. Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from spothive.domain.catalog import Catalog
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.model import ARCH_LABEL, Decision, PackingPolicy, Plan, Pod, Snapshot
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.pricing import is_flagged

#: Key a risk move's ``drain_node`` and ``remove_node`` actions carry (why the node leaves).
RISK_KEY = "risk"
#: Why a node waits for the next plan: the risk moves before it spent its pods' disruption budget.
PDB_DEFERRED = "stays: a PodDisruptionBudget allows none of its pods to be evicted"


def flagged_spot_nodes(snapshot: Snapshot, flagged: Collection[str]) -> list[str]:
    """Names of the snapshot's Spot nodes in a flagged pool, in snapshot order."""
    return [n.name for n in snapshot.nodes if n.capacity_type == "spot" and is_flagged(flagged, n.zone, n.instance_type)]


def _fixed(pod: Pod, policy: PackingPolicy) -> bool:
    return pod.do_not_disrupt or pod.namespace in policy.all_excluded_namespaces or pod.system_critical


def plan_with_risk_moves(
    snapshot: Snapshot,
    catalog: Catalog,
    policy: PackingPolicy,
    leaving: Mapping[str, str],
    solver: MilpSolver | None = None,
) -> tuple[Plan, dict[str, str]]:
    """(the plan, nodes of ``leaving`` that stay → why). ``leaving`` maps node name → why it should go."""
    stays: dict[str, str] = {}
    nodes = {n.name: n for n in snapshot.nodes}
    going: dict[str, str] = {}
    for name, why in leaving.items():
        if name not in nodes:
            continue
        if any(p.node == name and not p.is_daemonset and _fixed(p, policy) for p in snapshot.pods):
            stays[name] = "stays: it runs do-not-disrupt, excluded-namespace or system-critical pods"
        else:
            going[name] = why
    closed = _closed_pdbs(snapshot)
    for name in [n.name for n in snapshot.nodes if n.name in going]:  # a drain could never finish
        if any(p.node == name and not p.is_daemonset and (p.namespace, p.owner) in closed for p in snapshot.pods):
            stays[name] = PDB_DEFERRED
            going.pop(name)
    for _ in range(len(going) + 1):
        if not going:
            return plan_consolidation(snapshot, catalog, policy, solver), stays
        plan, moved = _plan_without(snapshot, catalog, policy, going, solver)
        stuck = {moved[k] for k in plan.unplaced if k in moved}
        if not stuck:
            return _with_moves(snapshot, catalog, plan, going, moved), stays
        for name in stuck:
            stays[name] = "stays: no allowed capacity can take all its pods (they would be left Pending)"
            going.pop(name)
    raise AssertionError("plan_with_risk_moves did not converge")  # pragma: no cover - each round drops a node


def _plan_without(
    snapshot: Snapshot, catalog: Catalog, policy: PackingPolicy, going: Mapping[str, str], solver: MilpSolver | None
) -> tuple[Plan, dict[str, str]]:
    """The plan of the cluster without the leaving nodes, their workload pods pending; pod key → node left."""
    nodes = {n.name: n for n in snapshot.nodes}
    moved: dict[str, str] = {}
    pods: list[Pod] = []
    for p in snapshot.pods:
        if p.node is None or p.node not in going:
            pods.append(p)
            continue
        if p.is_daemonset:  # it leaves with its node, but its requests still size every node's overhead
            pods.append(replace(p, node=None))
            continue
        node = nodes[p.node]
        arch = node.labels.get(ARCH_LABEL) or _arch(catalog, node.instance_type)
        selector = dict(p.node_selector) if ARCH_LABEL in p.node_selector or arch is None else \
            {**p.node_selector, ARCH_LABEL: arch}
        moved[p.key] = node.name
        pods.append(replace(p, node=None, node_selector=selector))
    reduced = replace(snapshot, nodes=tuple(n for n in snapshot.nodes if n.name not in going), pods=tuple(pods))
    return plan_consolidation(reduced, catalog, policy, solver), moved


def _closed_pdbs(snapshot: Snapshot) -> set[tuple[str, str]]:
    """``(namespace, owner)`` of every PDB that allows no disruption (its pods cannot be evicted now)."""
    return {(b.namespace, b.selector_owner) for b in snapshot.pdbs if b.max_unavailable <= 0}


def _arch(catalog: Catalog, instance_type: str) -> str | None:
    itype = catalog.get(instance_type)
    return itype.arch if itype is not None else None


def _with_moves(
    snapshot: Snapshot, catalog: Catalog, plan: Plan, going: Mapping[str, str], moved: Mapping[str, str]
) -> Plan:
    """``plan`` with the leaving nodes put back as drained and removed (risk moves)."""
    actions: list[Mapping[str, Any]] = list(plan.actions)
    decisions = [d for d in plan.decisions if d.action != "plan"]
    new = {n.name: n for n in plan.nodes if n.new}
    left_price = 0.0
    for node in snapshot.nodes:
        if node.name not in going:
            continue
        price = catalog.price(node.instance_type, node.capacity_type, node.zone) or 0.0
        left_price += price
        pods = sorted(k for k, src in moved.items() if src == node.name)
        dests = sorted({plan.placements[k] for k in pods if k in plan.placements})
        added = sum(new[d].price_per_hour for d in dests if d in new)
        why = going[node.name]
        risk = {"pool": f"{node.zone}:{node.instance_type}", "why": why}
        actions.append({"type": "drain_node", "node": node.name, "pods": pods, RISK_KEY: risk})
        actions.append({"type": "remove_node", "node": node.name, "price_per_hour": round(price, 6), RISK_KEY: risk})
        onto = ", ".join(f"{new[d].capacity_type} {new[d].instance_type} in {new[d].zone}" if d in new else d
                         for d in dests) or "no other node"
        cost = ""
        if added > price + 1e-9:
            cost = f"; costs ${added - price:.4f}/h more: a risk move, stability over savings"
        decisions.append(Decision(
            "remove_node",
            f"{node.name}: Spot {node.instance_type} in {node.zone} leaves its pool ({why}); its {len(pods)} pods "
            f"move to {onto}{cost}",
            {"price_per_hour": round(price, 6), "pods_moved": len(pods), "risk_move": True,
             "pool": risk["pool"], "destinations": dests, "replacement_per_hour": round(added, 6)},
        ))
    before = plan.cost_before_per_hour + left_price
    after = plan.cost_after_per_hour
    summary = next((d for d in plan.decisions if d.action == "plan"), None)
    evidence = dict(summary.evidence) if summary else {}
    evidence |= {"cost_before_per_hour": round(before, 6), "nodes_before": len(snapshot.nodes),
                 "risk_moves": len(going)}
    decisions.append(Decision(
        "plan",
        f"{len(snapshot.nodes)} → {len(plan.nodes)} nodes, ${before:.4f}/h → ${after:.4f}/h "
        f"(lower bound ${plan.lower_bound_per_hour:.4f}/h; {len(going)} node(s) leave flagged Spot pools)",
        evidence,
    ))
    return replace(plan, cost_before_per_hour=before, actions=tuple(actions), decisions=tuple(decisions))
