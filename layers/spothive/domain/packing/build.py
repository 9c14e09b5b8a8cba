"""Turn a layout into a Plan: nodes, placements, ordered actions and explained decisions."""

from __future__ import annotations

from typing import Any

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.model import Decision, Plan, PlanNode
from spothive.domain.packing.problem import risk_limit
from spothive.domain.pricing import interruption_probability


def _share(used: int, cap: int) -> float:
    return round(used / cap, 4) if cap > 0 else 0.0


def build_plan(layout: Layout, bound: float, kept: set[int], method: str, seconds: float) -> Plan:
    """The plan for ``layout``: add nodes first, then drain and remove, each with reason and evidence.

    DaemonSet pods keep their placement on kept nodes and leave with removed ones (no move, no action).
    """
    pr = layout.problem
    snap = pr.snapshot
    names: dict[int, str] = {}
    nodes: list[PlanNode] = []
    actions: list[dict[str, Any]] = []
    decisions: list[Decision] = []
    serial = 0
    for b in layout.bins:
        if not b.active:
            continue
        if b.existing >= 0:
            node = snap.nodes[b.existing]
            names[b.idx] = node.name
            nodes.append(
                PlanNode(node.name, node.instance_type, node.capacity_type, node.zone, False, b.price)
            )
            continue
        assert b.offer is not None
        serial += 1
        name = f"spothive-new-{serial:04d}"
        while name in pr.node_index:
            serial += 1
            name = f"spothive-new-{serial:04d}"
        names[b.idx] = name
        o = b.offer
        t = o.itype
        nodes.append(PlanNode(name, o.itype.name, o.capacity_type, o.zone, True, o.price))
        actions.append(
            {
                "type": "add_node",
                "node": name,
                "instance_type": o.itype.name,
                "capacity_type": o.capacity_type,
                "zone": o.zone,
                "price_per_hour": round(o.price, 6),
            }
        )
        risk = interruption_probability(pr.catalog, o.itype.name, o.zone, pr.policy.pool_risk)
        if o.capacity_type == "spot":
            why = (
                f"; Spot pool risk {risk:.1%} within the {risk_limit(pr.policy, o.zone, o.itype.name):.0%} limit, "
                "flagged and riskier pools excluded"
            )
        else:
            why = "; On-Demand" + (" fallback: no allowed Spot pool was cheaper" if pr.policy.spot_allowed else "")
        decisions.append(
            Decision(
                "add_node",
                f"{name}: {o.capacity_type} {o.itype.name} in {o.zone} is the cheapest offer that fits the "
                f"{len(b.pods)} pods it receives{why}",
                {
                    "price_per_hour": round(o.price, 6),
                    "pods": len(b.pods),
                    "cpu_utilisation": _share(t.alloc_cpu_m - b.free_c, t.alloc_cpu_m),
                    "memory_utilisation": _share(t.alloc_memory_mib - b.free_m, t.alloc_memory_mib),
                    "interruption_probability": risk if o.capacity_type == "spot" else 0.0,
                },
            )
        )
    placements: dict[str, str] = {}
    moved_from: dict[int, list[str]] = {}
    for pod, where in enumerate(layout.where):
        if where < 0:
            continue
        key = snap.pods[pod].key
        placements[key] = names[where]
        orig = pr.pod_orig[pod]
        if orig >= 0 and layout.bins[where].existing != orig:
            moved_from.setdefault(orig, []).append(key)
    daemons_on: dict[int, int] = {}
    for d in pr.daemon_pods:
        i = pr.node_index[d.node] if d.node is not None else -1
        if i >= 0:
            daemons_on[i] = daemons_on.get(i, 0) + 1
            if layout.bins[i].active:
                placements[d.key] = names[i]
    orig_used = [[0, 0] for _ in snap.nodes]
    for pod, orig in enumerate(pr.pod_orig):
        if orig >= 0:
            orig_used[orig][0] += pr.pod_c[pod]
            orig_used[orig][1] += pr.pod_m[pod]
    for d in pr.daemon_pods:
        if d.node is not None:
            orig_used[pr.node_index[d.node]][0] += d.cpu_m
            orig_used[pr.node_index[d.node]][1] += d.memory_mib
    for i, node in enumerate(snap.nodes):
        b = layout.bins[i]
        pods = moved_from.get(i, [])
        if b.active and not pods:
            continue
        itype = pr.node_types[i]
        used = orig_used[i]
        evidence = {
            "price_per_hour": round(b.price, 6),
            "pods_moved": len(pods),
            "cpu_utilisation": _share(used[0], itype.alloc_cpu_m),
            "memory_utilisation": _share(used[1], itype.alloc_memory_mib),
        }
        if b.active:
            actions.append({"type": "move_pods", "node": node.name, "pods": sorted(pods)})
            decisions.append(
                Decision("move_pods", f"{len(pods)} pods leave {node.name} so other nodes can go", evidence)
            )
            continue
        evidence["daemonset_pods"] = daemons_on.get(i, 0)
        actions.append({"type": "drain_node", "node": node.name, "pods": sorted(pods)})
        actions.append({"type": "remove_node", "node": node.name, "price_per_hour": round(b.price, 6)})
        decisions.append(
            Decision(
                "remove_node",
                f"{node.name} ({node.capacity_type} {node.instance_type}) uses "
                f"{evidence['cpu_utilisation']:.0%} CPU and {evidence['memory_utilisation']:.0%} memory; "
                f"its {len(pods)} pods fit on cheaper capacity",
                evidence,
            )
        )
    for i in sorted(pr.pinned_nodes):
        decisions.append(
            Decision(
                "keep_node",
                f"{snap.nodes[i].name} runs do-not-disrupt or excluded-namespace pods and stays",
                {"price_per_hour": round(pr.node_prices[i], 6)},
            )
        )
    before = sum(pr.node_prices)
    after = sum(n.price_per_hour for n in nodes)
    bound = min(bound, after)
    decisions.append(
        Decision(
            "plan",
            f"{len(snap.nodes)} → {len(nodes)} nodes, ${before:.4f}/h → ${after:.4f}/h "
            f"(lower bound ${bound:.4f}/h)",
            {
                "cost_before_per_hour": round(before, 6),
                "cost_after_per_hour": round(after, 6),
                "lower_bound_per_hour": round(bound, 6),
                "nodes_before": len(snap.nodes),
                "nodes_after": len(nodes),
                "kept_by_policy": len(kept),
                "method": method,
            },
        )
    )
    unplaced = tuple(sorted(snap.pods[p].key for p in layout.unplaced))
    return Plan(
        before,
        after,
        tuple(nodes),
        placements,
        unplaced,
        tuple(actions),
        tuple(decisions),
        bound,
        method,
        seconds,
    )
