"""Check a plan against every hard constraint, from the snapshot, the catalog and the plan JSON alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.catalog import Catalog
from spothive.domain.packing.constraints import affinity_holds
from spothive.domain.packing.daemonsets import (
    daemonset_overhead,
    existing_node_room,
    new_node_room,
    split_daemonsets,
)
from spothive.domain.packing.model import (
    ARCH_LABEL,
    CAPACITY_LABEL,
    OS_LABEL,
    TYPE_LABEL,
    ZONE_LABEL,
    PackingPolicy,
    Snapshot,
)
from spothive.domain.packing.problem import SCHEDULING_EFFECTS, node_labels
from spothive.domain.spread_validation import spread_violations


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken constraint: its kind, the pod/node/PDB it concerns, and a readable message."""

    kind: str
    subject: str
    message: str


def validate_plan(
    snapshot: Snapshot, catalog: Catalog, plan: Mapping[str, Any], policy: PackingPolicy | None = None
) -> list[Violation]:
    """Every broken constraint in ``plan``: capacity, selectors, arch, taints, pinning, PDBs, coverage.

    A ``replace_with_spot`` action drains its kept node: its pods count as moved (pinning, PDBs), and no pod
    of the plan may move onto it (it would move twice).

    Every kept and new node must hold the DaemonSet overhead besides its workload (a kept node may keep at
    least the workload it runs today); DaemonSet pods never move and stay placed on kept nodes.
    """
    policy = policy or PackingPolicy()
    out: list[Violation] = []
    old = {n.name: n for n in snapshot.nodes}
    workload, daemons = split_daemonsets(snapshot)
    overhead = daemonset_overhead(daemons)
    used_today: dict[str, list[int]] = {n.name: [0, 0, 0, 0] for n in snapshot.nodes}
    for pod in workload.pods:
        if pod.node in used_today:
            u = used_today[pod.node]
            u[0] += pod.cpu_m
            u[1] += pod.memory_mib
            u[2] += pod.gpu
            u[3] += 1
    labels: dict[str, dict[str, str]] = {}
    taints: dict[str, frozenset[str]] = {}
    caps: dict[str, list[int]] = {}
    accelerator: dict[str, str] = {}
    capacity: dict[str, str] = {n.name: n.capacity_type for n in snapshot.nodes}
    today_labels: dict[str, dict[str, str]] = {}
    for snode in snapshot.nodes:
        known = catalog.get(snode.instance_type)
        if known is not None:
            today_labels[snode.name] = node_labels(snode, known)
    too_small: set[str] = set()
    for n in plan.get("nodes", []):
        name = str(n["name"])
        itype = catalog.get(str(n["instance_type"]))
        if itype is None:
            out.append(Violation("catalog", name, f"node {name} has unknown type {n['instance_type']}"))
            continue
        accelerator[name] = itype.accelerator
        capacity[name] = str(n.get("capacity_type", capacity.get(name, "on-demand")))
        if not n.get("new"):
            before = old.get(name)
            if before is None or before.instance_type != n["instance_type"]:
                out.append(Violation("node", name, f"kept node {name} is not in the snapshot as {itype.name}"))
                continue
            labels[name] = node_labels(before, itype)
            taints[name] = frozenset(t.key for t in before.taints if t.effect in SCHEDULING_EFFECTS)
            caps[name] = list(existing_node_room(itype, overhead, used_today[name]))
        else:
            if policy.families and itype.family not in policy.families:
                out.append(Violation("template", name, f"new node {name}: family {itype.family} not allowed"))
            if policy.architectures and itype.arch not in policy.architectures:
                out.append(Violation("template", name, f"new node {name}: arch {itype.arch} not allowed"))
            labels[name] = {
                ARCH_LABEL: itype.arch,
                TYPE_LABEL: itype.name,
                OS_LABEL: "linux",
                CAPACITY_LABEL: str(n["capacity_type"]),
                ZONE_LABEL: str(n["zone"]),
                **policy.template_labels,
            }
            taints[name] = frozenset()
            caps[name] = list(new_node_room(itype, overhead))
            if min(caps[name]) < 0:
                too_small.add(name)
                out.append(
                    Violation("daemonset", name, f"new node {name} ({itype.name}) cannot hold the DaemonSet overhead")
                )
    placements: Mapping[str, str] = plan.get("placements", {})
    unplaced = set(plan.get("unplaced", []))
    excluded = policy.all_excluded_namespaces
    moved: dict[tuple[str, str], int] = {}
    # a Spot replacement drains its kept node: every pod there moves, so it must be free to move
    replaced = {str(a.get("node")) for a in plan.get("actions", []) if a.get("type") == "replace_with_spot"}
    new_names = {str(n["name"]) for n in plan.get("nodes", []) if n.get("new")}
    for pod in daemons:
        target = placements.get(pod.key)
        if target is not None and target != pod.node:
            out.append(Violation("daemonset", pod.key, f"DaemonSet pod {pod.key} never moves (to {target})"))
        elif target is None and pod.node in labels and pod.node not in new_names:
            out.append(Violation("coverage", pod.key, f"{pod.key} runs on kept {pod.node} and has no place"))
    for pod in workload.pods:
        key = pod.key
        target = placements.get(key)
        if target is None:
            if pod.node is not None:
                out.append(Violation("coverage", key, f"{key} ran on {pod.node} and has no place in the plan"))
            elif key not in unplaced:
                out.append(Violation("coverage", key, f"pending {key} is neither placed nor listed unplaced"))
            continue
        if target not in caps:
            out.append(Violation("coverage", key, f"{key} is placed on {target}, which is not a plan node"))
            continue
        cap = caps[target]
        cap[0] -= pod.cpu_m
        cap[1] -= pod.memory_mib
        cap[2] -= pod.gpu
        cap[3] -= 1
        if pod.node in replaced and target == pod.node:
            if pod.do_not_disrupt or pod.namespace in excluded or pod.system_critical:
                out.append(Violation("pinned", key, f"{key} must stay on {pod.node}, which is replaced with Spot"))
            if pod.owner:
                moved[(pod.namespace, pod.owner)] = moved.get((pod.namespace, pod.owner), 0) + 1
        if target in replaced and target != pod.node:
            out.append(Violation("replaced", key, f"{key} moves onto {target}, which is replaced with Spot too"))
        if target != pod.node:
            if pod.node is not None and (pod.do_not_disrupt or pod.namespace in excluded or pod.system_critical):
                out.append(Violation("pinned", key, f"{key} must stay on {pod.node} but moves to {target}"))
            if pod.node is not None and pod.owner:
                moved[(pod.namespace, pod.owner)] = moved.get((pod.namespace, pod.owner), 0) + 1
            node_lab = labels[target]
            for k, v in pod.node_selector.items():
                if node_lab.get(k) != v:
                    out.append(Violation("selector", key, f"{key} needs {k}={v}; {target} has {node_lab.get(k)}"))
            arch = pod.node_selector.get(ARCH_LABEL)
            if arch is None and pod.node in old:
                itype = catalog.get(old[pod.node].instance_type)
                arch = itype.arch if itype is not None else None
            if arch is not None and node_lab.get(ARCH_LABEL) != arch:
                out.append(Violation("arch", key, f"{key} runs {arch} images; {target} is {node_lab.get(ARCH_LABEL)}"))
            if not taints[target] <= pod.tolerations:
                out.append(Violation("taint", key, f"{key} does not tolerate the taints of {target}"))
            if not affinity_holds(node_lab, pod.affinity):
                out.append(Violation("affinity", key, f"{key}'s required node affinity excludes {target}"))
            if pod.volume_zones and node_lab.get(ZONE_LABEL) not in pod.volume_zones:
                out.append(
                    Violation(
                        "zone",
                        key,
                        f"{key}'s volumes are in {sorted(pod.volume_zones)}; {target} is in {node_lab.get(ZONE_LABEL)}",
                    )
                )
        if pod.gpu > 0 and accelerator[target] != pod.accelerator:
            out.append(
                Violation(
                    "accelerator",
                    key,
                    f"{key} asks for {pod.gpu} {pod.accelerator}; {target} offers {accelerator[target] or 'none'}",
                )
            )
    for name, cap in caps.items():
        if min(cap) < 0 and name not in too_small:
            out.append(
                Violation(
                    "capacity",
                    name,
                    f"{name} is over capacity by (cpu_m, MiB, gpu, pods) {tuple(-min(0, c) for c in cap)}",
                )
            )
    for kind, subject, message in spread_violations(
        workload.pods, labels, today_labels, capacity, placements, policy.max_workload_share
    ):
        out.append(Violation(kind, subject, message))
    for pdb in snapshot.pdbs:  # a PDB paces evictions; one that allows none makes a drain impossible
        n = moved.get((pdb.namespace, pdb.selector_owner), 0)
        if n and pdb.max_unavailable <= 0:
            out.append(
                Violation(
                    "pdb",
                    f"{pdb.namespace}/{pdb.name}",
                    f"{n} pods of {pdb.namespace}/{pdb.name} move; the PDB allows no disruption",
                )
            )
    return out
