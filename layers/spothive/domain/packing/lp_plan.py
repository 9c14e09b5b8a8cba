"""Round the shapes LP into a layout: keep the nodes it keeps, send each shape where the LP sends it.

1. Removable node groups keep round(z_g) nodes (the fullest); the others are drained (PDBs permitting).
2. Each shape's pods that must move get destination quotas from the LP (largest remainder rounding).
3. Pods with a quota on existing nodes go there first-fit; pods with a quota on an offer column are packed
   onto new nodes of that offer, GPU pods first, then CPU pods into the GPU nodes' leftover room.
4. Whatever did not fit goes through the generic fill and pack; then right-sizing and node removal.
"""

from __future__ import annotations

from collections import defaultdict

from spothive.domain.packing.config_lp import LpAnswer, solve_shapes_lp
from spothive.domain.packing.improve import downsize, remove_nodes
from spothive.domain.packing.layout import Layout
from spothive.domain.packing.milp import MilpSolver
from spothive.domain.packing.offers import OfferIndex, class_key
from spothive.domain.packing.pack import fill_existing, pack_new
from spothive.domain.packing.problem import Bin, Offer, Problem
from spothive.domain.packing.shapes import Aggregate, residual

Dest = tuple[str, int]


def _quotas(weights: dict[Dest, float], total: int) -> dict[Dest, int]:
    """Split ``total`` pods over destinations in proportion to ``weights`` (largest remainder)."""
    mass = sum(weights.values())
    if total <= 0 or mass <= 1e-9:
        return {}
    raw = {d: w * total / mass for d, w in weights.items()}
    out = {d: int(v) for d, v in raw.items()}
    left = total - sum(out.values())
    for d in sorted(raw, key=lambda d: -(raw[d] - out[d]))[:left]:
        out[d] += 1
    return {d: n for d, n in out.items() if n > 0}


def _drain(
    layout: Layout, agg: Aggregate, values: list[float], z_col: dict[int, int], placeable: list[bool]
) -> list[int]:
    """Deactivate the removable nodes the LP does not keep (their pods must fit new nodes); return the pods."""
    pr = layout.problem
    moved: list[int] = []
    for g, grp in enumerate(agg.groups):
        if grp.kept:
            continue
        keep = round(values[z_col[g]]) if g in z_col else len(grp.nodes)
        fullest = sorted(grp.nodes, key=lambda i: -len(layout.bins[i].pods))
        for i in fullest[keep:]:
            victim = layout.bins[i]
            if not all(placeable[p] for p in victim.pods):
                continue
            counts: dict[int, int] = defaultdict(int)
            for p in victim.pods:
                if pr.pod_pdb[p] >= 0:
                    counts[pr.pod_pdb[p]] += 1
            if any(layout.pdb_used[b] + n > pr.pdb_budget[b] for b, n in counts.items()):
                continue
            for b, n in counts.items():
                layout.pdb_used[b] += n
            for p in list(victim.pods):
                layout.unplace(p)
                moved.append(p)
            victim.active = False
    return moved


def _pack_column(layout: Layout, offer: Offer, pods: list[int], index: OfferIndex) -> list[int]:
    """Open nodes of ``offer`` one at a time, each filled with the largest remaining pods that fit.

    On GPU offers every node opens with a GPU pod; CPU pods only fill the room GPU pods leave.
    """
    pr = layout.problem
    cap = offer.cap
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    left: list[int] = []
    for p in pods:
        c, m, g = pr.pod_c[p], pr.pod_m[p], pr.pod_g[p]
        if c > cap[0] or m > cap[1] or g > cap[2] or not index.accepts(offer, class_key(pr, p)):
            left.append(p)
        else:
            groups[(c, m, g)].append(p)
    order = sorted(groups, key=lambda r: (-r[2], -(r[0] / cap[0] + r[1] / cap[1])))
    gpu_node = cap[2] > 0
    while True:
        live = [r for r in order if groups[r]]
        if not live or (gpu_node and live[0][2] == 0):
            break
        b = layout.new_bin(offer)
        placed = True
        while placed and b.free_n >= 1:
            placed = False
            for r in live:
                if groups[r] and r[0] <= b.free_c and r[1] <= b.free_m and r[2] <= b.free_g:
                    fit = next((j for j in range(len(groups[r]) - 1, -1, -1) if layout.allows(groups[r][j], b)), -1)
                    if fit < 0:
                        continue
                    layout.place(groups[r].pop(fit), b)
                    placed = True
                    break
    for r in order:
        left.extend(groups[r])
    return left


def _assign(
    agg: Aggregate, answer: LpAnswer, layout: Layout, pods: list[int]
) -> tuple[dict[int, list[int]], dict[int, list[int]], list[int]]:
    """Pods per existing group and per offer column following the LP's quotas, and those without one."""
    values, lp = answer.values, answer.lp
    wanted = set(pods)
    by_shape: dict[int, list[int]] = defaultdict(list)
    staying: dict[tuple[int, int], int] = defaultdict(int)
    for s, shape in enumerate(agg.shapes):
        for p in shape.pods:
            if p in wanted:
                by_shape[s].append(p)
            elif layout.where[p] >= 0:
                staying[(s, agg.group_of[layout.bins[layout.where[p]].existing])] += 1
    weights: dict[int, dict[Dest, float]] = defaultdict(dict)
    for (s, kind, j), col in lp.x_col.items():
        v = values[col] - (staying.get((s, j), 0) if kind == "g" else 0)
        if v > 1e-6:
            weights[s][(kind, j)] = v
    to_group: dict[int, list[int]] = defaultdict(list)
    to_column: dict[int, list[int]] = defaultdict(list)
    rest: list[int] = []
    for s, members in by_shape.items():
        it = iter(members)
        for (kind, j), n in _quotas(weights.get(s, {}), len(members)).items():
            for _ in range(n):
                (to_group if kind == "g" else to_column)[j].append(next(it))
        rest.extend(it)
    return to_group, to_column, rest


def _fill_groups(layout: Layout, agg: Aggregate, to_group: dict[int, list[int]], index: OfferIndex) -> None:
    for g, pods in to_group.items():
        _fill(layout, [layout.bins[i] for i in agg.groups[g].nodes if layout.bins[i].active], pods, index)


def lp_layout(
    problem: Problem,
    layout: Layout,
    agg: Aggregate,
    answer: LpAnswer,
    index: OfferIndex,
    solver: MilpSolver,
    time_limit_s: float,
    placeable: list[bool],
) -> Layout:
    """Turn the LP solution into a valid layout (``layout`` holds every pod on its node today).

    Pods the LP sends to existing nodes go first; the LP is then solved again for the pods that did not
    fit, against the room existing nodes have left, and its offer columns are packed.
    """
    to_place = _drain(layout, agg, answer.values, answer.lp.z_col, placeable)
    to_place.extend(p for shape in agg.shapes for p in shape.pods if problem.pod_orig[p] < 0)
    to_group, to_column, _ = _assign(agg, answer, layout, to_place)
    _fill_groups(layout, agg, to_group, index)
    remaining = [p for p in to_place if layout.where[p] < 0]
    second = solve_shapes_lp(problem, residual(problem, agg, layout.bins, remaining), solver, time_limit_s)
    if second.bound is not None:
        agg, answer = second.agg, second
        to_group, to_column, _ = _assign(agg, answer, layout, remaining)
        _fill_groups(layout, agg, to_group, index)
    for t, pods in sorted(to_column.items(), key=lambda kv: -agg.columns[kv[0]].cap[2]):
        _pack_column(layout, agg.columns[t], [p for p in pods if layout.where[p] < 0], index)
    rest = fill_existing(layout, [p for p in to_place if layout.where[p] < 0], index)
    pack_new(layout, rest, index)
    downsize(layout, index)
    remove_nodes(layout, index)
    downsize(layout, index)
    return layout


def _fill(layout: Layout, bins: list[Bin], pods: list[int], index: OfferIndex) -> list[int]:
    pr = layout.problem
    left: list[int] = []
    order = sorted(pods, key=lambda p: (-pr.pod_g[p], -index.bound.worth(pr.pod_c[p], pr.pod_m[p], 0), p))
    for p in order:
        c, m, g = pr.pod_c[p], pr.pod_m[p], pr.pod_g[p]
        dest = next(
            (
                b
                for b in bins
                if b.free_c >= c
                and b.free_m >= m
                and b.free_g >= g
                and b.free_n >= 1
                and layout.allows(p, b)
                and pr.compatible(p, b.labels, b.taints, b.existing)
            ),
            None,
        )
        if dest is None:
            left.append(p)
        else:
            layout.place(p, dest)
    return left
