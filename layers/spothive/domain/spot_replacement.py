"""Spot replacements of the On-Demand nodes a plan keeps, under the same safety rules as consolidation.

A replacement drains its node, so it is offered only when every pod there may move: no do-not-disrupt,
excluded-namespace (kube-system always) or system-critical pod (DaemonSet pods are exempt: they leave and
come back with the node), and no PodDisruptionBudget whose budget the plan's own moves and the replacements
before it have spent. A node the plan moves pods onto is not replaced either: its new pods would move twice
and the replacement was never sized with them (keeping it is the safe choice; the next plan may replace it).
The node's template must allow Spot, its Spot Advisor bucket must be at most ``MAX_SAFE_BUCKET`` and its
pool must be unflagged. Every cheaper Spot pool left out this way is returned as skipped, with reason and
evidence, so ``planned = approved + blocked + skipped`` counts it. Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.execution import monthly, node_instances
from spothive.domain.packing.model import PackingPolicy, snapshot_from_dict
from spothive.domain.pricing import is_flagged
from spothive.domain.spend import MAX_SAFE_BUCKET

Price = Callable[[str, str, str], float | None]


@dataclass(frozen=True, slots=True)
class KeptNodeMove:
    """A node the plan keeps that runs On-Demand while Spot of its type is cheaper in its own zone."""

    instance_id: str
    node: str
    instance_type: str
    zone: str
    saving_per_hour: float
    reason: str


def kept_node_replacements(
    snapshot: Mapping[str, Any], plan: Mapping[str, Any], policy: PackingPolicy, price: Price,
    advisor_bucket: Callable[[str], int | None] | None = None, flagged: Collection[str] = (),
) -> tuple[list[KeptNodeMove], list[dict[str, Any]]]:
    """(replacements, skipped) for the On-Demand nodes ``plan`` (its JSON form) keeps, in each node's own
    zone. ``price(type, capacity, zone)`` prices a pool (``None`` when unknown or held out)."""
    parsed = snapshot_from_dict(snapshot)
    placements: Mapping[str, str] = plan.get("placements") or {}
    removed = {str(a.get("node")) for a in plan.get("actions") or () if a.get("type") == "remove_node"}
    excluded = policy.all_excluded_namespaces
    pinned: dict[str, list[str]] = {}
    received: dict[str, list[str]] = {}
    closed: dict[tuple[str, str], str] = {}  # PDBs that allow no disruption: their pods cannot be evicted
    for b in parsed.pdbs:
        if b.max_unavailable <= 0:
            closed.setdefault((b.namespace, b.selector_owner), f"{b.namespace}/{b.name}")
    for pod in parsed.pods:
        if pod.is_daemonset:
            continue
        if pod.node is not None and (pod.do_not_disrupt or pod.namespace in excluded or pod.system_critical):
            pinned.setdefault(pod.node, []).append(pod.key)
        target = placements.get(pod.key)
        if target is not None and target != pod.node:
            received.setdefault(target, []).append(pod.key)
    moves: list[KeptNodeMove] = []
    skipped: list[dict[str, Any]] = []
    for name, node in node_instances(snapshot).items():
        if name in removed or node.get("capacity_type") == "spot" or not node.get("instance_id"):
            continue
        itype, zone = str(node.get("instance_type")), str(node.get("zone"))
        od, spot = price(itype, "on-demand", zone), price(itype, "spot", zone)
        if od is None or spot is None or spot >= od:
            continue  # no cheaper Spot pool: not an opportunity
        saving = round(od - spot, 6)
        evidence: dict[str, Any] = {"instance_type": itype, "zone": zone, "saving_per_hour": saving}
        bucket = advisor_bucket(itype) if advisor_bucket is not None else None
        # a PDB that allows disruptions paces the drain (Eviction API); one that allows none forbids it
        over = next((closed[(p.namespace, p.owner)] for p in parsed.pods
                     if p.node == name and not p.is_daemonset and (p.namespace, p.owner) in closed), None)
        why = ""
        if not policy.spot_allowed:
            why, evidence["spot_allowed"] = "the cluster's node template allows no Spot capacity", False
        elif bucket is not None and bucket > MAX_SAFE_BUCKET:
            why = f"Spot Advisor bucket {bucket} of {itype} is above the safe maximum {MAX_SAFE_BUCKET}"
            evidence |= {"advisor_bucket": bucket, "max_safe_bucket": MAX_SAFE_BUCKET}
        elif is_flagged(flagged, zone, itype):
            why, evidence["flagged_pool"] = f"Spot pool {zone}:{itype} is flagged or held", f"{zone}:{itype}"
        elif name in pinned:
            why = f"{name} runs pods that never move (do-not-disrupt, excluded namespace or system-critical)"
            evidence["pinned_pods"] = sorted(pinned[name])
        elif name in received:
            why = (f"the plan moves {len(received[name])} pods onto {name}; replacing it too would move them "
                   "twice, so it stays On-Demand until the next plan")
            evidence["pods_received"] = sorted(received[name])
        elif over is not None:
            why = f"PodDisruptionBudget {over} allows none of its pods to be evicted"
            evidence |= {"pdb": over, "max_unavailable": 0}
        if why:
            skipped.append({"node": str(node["instance_id"]), "node_name": name, "instance_type": itype, "zone": zone,
                            "saving_per_hour": saving, "reason": f"skipped: {why}", "evidence": evidence})
            continue
        moves.append(KeptNodeMove(str(node["instance_id"]), name, itype, zone, saving,
                                  f"{name} stays in the plan: Spot {itype} in {zone} costs ${spot:.4f}/h against "
                                  f"${od:.4f}/h On-Demand, saving ${monthly(saving):,.2f}/month"))
    return moves, skipped
