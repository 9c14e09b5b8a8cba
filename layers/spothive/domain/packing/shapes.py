"""Aggregated view of a packing problem: pod shapes with counts, node groups and deduplicated offers.

Pods with the same requests and scheduling class form one *shape*; existing nodes with the same type, price,
labels and taints form one *group*; offers new nodes of one type could use collapse to the cheapest one per
acceptance signature, and offers another offer dominates (no cheaper, no larger in any resource) drop out.
The configuration LP (``config_lp.py``) and the GPU/CPU bound are written over these aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spothive.domain.packing.offers import ClassKey, class_key, offer_accepts
from spothive.domain.packing.problem import Bin, Offer, Problem, key_accepts

Cap = tuple[int, int, int, int]


@dataclass(slots=True)
class Shape:
    """Movable pods with identical requests and class: ``count`` of them, and the groups they may use."""

    req: Cap
    key: ClassKey
    tolerations: frozenset[str]
    pods: list[int] = field(default_factory=list)
    homes: set[int] = field(default_factory=set)  # existing node groups where some member runs today

    @property
    def count(self) -> int:
        """How many pods have this shape."""
        return len(self.pods)


@dataclass(slots=True)
class NodeGroup:
    """Existing nodes of one type, price, labels and taints; kept ones are paid whatever the plan."""

    nodes: list[int]
    kept: bool
    price: float
    cap: Cap  # workload room of one node (allocatable less DaemonSet overhead; the largest in the group)
    free: list[Cap] = field(default_factory=list)  # per node, after its pinned pods (kept groups only)


@dataclass(slots=True)
class Aggregate:
    """Shapes, existing node groups and offer columns of one problem."""

    shapes: list[Shape]
    groups: list[NodeGroup]
    columns: list[Offer]
    group_of: list[int]  # node index -> group index
    fixed_cost: float  # price of kept nodes


def fits(req: Cap, cap: Cap) -> bool:
    """True when one pod of ``req`` fits an empty node of ``cap``."""
    return req[0] <= cap[0] and req[1] <= cap[1] and req[2] <= cap[2] and req[3] <= cap[3]


def offer_columns(problem: Problem, keys: set[ClassKey]) -> list[Offer]:
    """Offers worth considering: cheapest per (type, acceptance signature), dominated ones removed."""
    ordered = sorted(keys, key=repr)
    best: dict[tuple[str, tuple[bool, ...]], Offer] = {}
    for o in problem.offers:
        sig = tuple(offer_accepts(o, k) for k in ordered)
        if not any(sig):
            continue
        k = (o.itype.name, sig)
        if k not in best or o.price < best[k].price:
            best[k] = o
    by_sig: dict[tuple[bool, ...], list[Offer]] = {}
    for (_, sig), o in best.items():
        by_sig.setdefault(sig, []).append(o)
    out: list[Offer] = []
    for group in by_sig.values():
        group.sort(key=lambda o: (o.price, -o.cap[0], -o.cap[1], -o.cap[2], o.itype.name))
        kept: list[Offer] = []
        for o in group:
            if not any(k.price <= o.price and all(k.cap[r] >= o.cap[r] for r in range(4)) for k in kept):
                kept.append(o)
        out.extend(kept)
    return out


def aggregate(problem: Problem, kept: set[int], placeable: list[bool]) -> Aggregate:
    """Group pods into shapes and nodes into groups; ``placeable[p]`` says a new node could take pod p."""
    snap = problem.snapshot
    group_index: dict[tuple[object, ...], int] = {}
    groups: list[NodeGroup] = []
    group_of: list[int] = []
    for i, itype in enumerate(problem.node_types):
        sig = problem.bin_signature(problem.node_labels[i], problem.node_taints[i])
        gk: tuple[object, ...] = (itype.name, problem.node_prices[i], sig, i in kept)
        if gk not in group_index:
            group_index[gk] = len(groups)
            groups.append(NodeGroup([], i in kept, problem.node_prices[i], problem.node_room[i]))
        g = group_index[gk]
        grp = groups[g]
        grp.nodes.append(i)
        grp.cap = (
            max(grp.cap[0], problem.node_room[i][0]),
            max(grp.cap[1], problem.node_room[i][1]),
            max(grp.cap[2], problem.node_room[i][2]),
            max(grp.cap[3], problem.node_room[i][3]),
        )
        group_of.append(g)
    free: dict[int, list[int]] = {i: list(problem.node_room[i]) for i in kept}
    shape_index: dict[tuple[object, ...], int] = {}
    shapes: list[Shape] = []
    for p, pod in enumerate(snap.pods):
        orig = problem.pod_orig[p]
        if not problem.movable[p]:
            f = free[orig]
            f[0] -= problem.pod_c[p]
            f[1] -= problem.pod_m[p]
            f[2] -= problem.pod_g[p]
            f[3] -= 1
            continue
        if orig < 0 and not placeable[p]:
            continue
        req = (problem.pod_c[p], problem.pod_m[p], problem.pod_g[p], 1)
        key = class_key(problem, p)
        sk = (req, key, pod.tolerations)
        if sk not in shape_index:
            shape_index[sk] = len(shapes)
            shapes.append(Shape(req, key, pod.tolerations))
        s = shapes[shape_index[sk]]
        s.pods.append(p)
        if orig >= 0:
            s.homes.add(group_of[orig])
    for grp in groups:
        if grp.kept:
            grp.free = [(f[0], f[1], f[2], f[3]) for f in (free[i] for i in grp.nodes)]
    columns = offer_columns(problem, {s.key for s in shapes})
    fixed = sum(problem.node_prices[i] for i in kept)
    return Aggregate(shapes, groups, columns, group_of, fixed)


def group_accepts(problem: Problem, group: NodeGroup, shape: Shape, index: int) -> bool:
    """Shape may use the group: labels and taints allow it, or (relaxed) some member runs there today."""
    if index in shape.homes:
        return True
    i = group.nodes[0]
    taints = problem.node_taints[i]
    if taints and not taints <= shape.tolerations:
        return False
    return key_accepts(problem.node_labels[i], problem.node_types[i].accelerator, shape.key)


def residual(problem: Problem, agg: Aggregate, bins: list[Bin], pods: list[int]) -> Aggregate:
    """The aggregate of what is left: ``pods`` still to place, existing nodes with their current free room.

    ``bins`` are the layout's bins (existing nodes first, by node index); every active existing node is
    treated as kept, every inactive one as gone.
    """
    groups: list[NodeGroup] = []
    group_of = list(agg.group_of)
    for grp in agg.groups:
        live = [i for i in grp.nodes if bins[i].active]
        free = [(bins[i].free_c, bins[i].free_m, bins[i].free_g, bins[i].free_n) for i in live]
        groups.append(NodeGroup(live, True, grp.price, grp.cap, free))
    index: dict[tuple[object, ...], int] = {}
    shapes: list[Shape] = []
    for p in pods:
        req = (problem.pod_c[p], problem.pod_m[p], problem.pod_g[p], 1)
        key = class_key(problem, p)
        sk = (req, key, problem.snapshot.pods[p].tolerations)
        if sk not in index:
            index[sk] = len(shapes)
            shapes.append(Shape(req, key, problem.snapshot.pods[p].tolerations))
        s = shapes[index[sk]]
        s.pods.append(p)
        orig = problem.pod_orig[p]
        if orig >= 0 and bins[orig].active:
            s.homes.add(group_of[orig])
    return Aggregate(shapes, groups, agg.columns, group_of, 0.0)
