"""Exact refinement of small layouts: the packing MILP behind a solver-agnostic Protocol.

The domain builds the model (assignment x[pod, bin], open y[bin]) and decodes the answer; any solver that
implements ``MilpSolver`` (HiGHS in ``spothive.adapters.solver.highs``) solves it, warm-started from the
heuristic layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.offers import OfferIndex, class_key
from spothive.domain.packing.problem import Bin, Offer


@dataclass(frozen=True, slots=True)
class MilpModel:
    """min costs·x subject to lo ≤ A x ≤ hi, lower ≤ x ≤ upper, x integer where ``integer``."""

    costs: list[float]
    lower: list[float]
    upper: list[float]
    integer: list[bool]
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MilpResult:
    """Solver answer: ``status`` is optimal, feasible, infeasible or error."""

    status: str
    objective: float
    values: list[float]
    dual_bound: float


class MilpSolver(Protocol):
    """A mixed-integer solver with a time budget and an optional warm start."""

    def solve(
        self, model: MilpModel, time_limit_s: float, warm_start: Sequence[float] | None = None
    ) -> MilpResult:
        """Solve ``model`` within ``time_limit_s`` seconds."""
        ...


INF = float("inf")


def _candidate_bins(layout: Layout, index: OfferIndex) -> list[Bin]:
    """Existing nodes, the heuristic's new nodes, and spare copies of promising offers."""
    pr = layout.problem
    work = layout.copy()
    bins = [b for b in work.bins if b.existing >= 0]
    offers: dict[int, Offer] = {}
    for b in work.bins:
        if b.active and b.offer is not None:
            offers[id(b.offer)] = b.offer
    for pod in range(len(pr.pod_c)):
        if work.where[pod] >= 0:
            for o in index.for_class(class_key(pr, pod))[:3]:
                offers[id(o)] = o
            o2 = index.cheapest_fitting(
                [class_key(pr, pod)], (pr.pod_c[pod], pr.pod_m[pod], pr.pod_g[pod], 1)
            )
            if o2 is not None:
                offers[id(o2)] = o2
    used_new = sum(1 for b in work.bins if b.active and b.offer is not None)
    for o in offers.values():
        for _ in range(min(len(pr.pod_c), used_new + 1)):
            bins.append(work.new_bin(o))
    return bins


def improve_with_milp(
    layout: Layout, index: OfferIndex, solver: MilpSolver, time_limit_s: float
) -> Layout | None:
    """Solve the packing MILP warm-started from ``layout``; return a cheaper layout or None."""
    pr = layout.problem
    bins = _candidate_bins(layout, index)
    pods = [p for p in range(len(pr.pod_c)) if layout.where[p] >= 0]
    costs: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    y_col: dict[int, int] = {}
    for j, b in enumerate(bins):
        y_col[j] = len(costs)
        costs.append(b.price)
        lower.append(1.0 if b.pinned else 0.0)
        upper.append(1.0)
    x_col: dict[tuple[int, int], int] = {}
    for p in pods:
        for j, b in enumerate(bins):
            ok = b.cap[0] >= pr.pod_c[p] and b.cap[1] >= pr.pod_m[p] and b.cap[2] >= pr.pod_g[p]
            if b.offer is not None:
                ok = ok and index.accepts(b.offer, class_key(pr, p))
            else:
                ok = ok and pr.compatible(p, b.labels, b.taints, b.existing)
            if not pr.movable[p]:
                ok = b.existing == pr.pod_orig[p]
            if ok:
                x_col[(p, j)] = len(costs)
                costs.append(0.0)
                lower.append(1.0 if not pr.movable[p] else 0.0)
                upper.append(1.0)
    model = MilpModel(costs, lower, upper, [True] * len(costs))
    for p in pods:
        cols = [x_col[(p, j)] for j in range(len(bins)) if (p, j) in x_col]
        model.rows.append((cols, [1.0] * len(cols), 1.0, 1.0))
    for j, b in enumerate(bins):
        members = [p for p in pods if (p, j) in x_col]
        for r, req in enumerate((pr.pod_c, pr.pod_m, pr.pod_g)):
            cols = [x_col[(p, j)] for p in members if req[p] > 0]
            if cols:
                coefs = [float(req[p]) for p in members if req[p] > 0]
                model.rows.append(([*cols, y_col[j]], [*coefs, -float(b.cap[r])], -INF, 0.0))
        if members:
            cols = [x_col[(p, j)] for p in members]
            model.rows.append(([*cols, y_col[j]], [*([1.0] * len(cols)), -float(b.cap[3])], -INF, 0.0))
    for j in range(1, len(bins)):
        a, b = bins[j - 1], bins[j]
        if a.offer is not None and a.offer is b.offer:
            model.rows.append(([y_col[j - 1], y_col[j]], [1.0, -1.0], 0.0, INF))
    for pdb, budget in enumerate(pr.pdb_budget):
        stay = [
            x_col[(p, pr.pod_orig[p])] for p in pods if pr.pod_pdb[p] == pdb and (p, pr.pod_orig[p]) in x_col
        ]
        members = [p for p in pods if pr.pod_pdb[p] == pdb and pr.pod_orig[p] >= 0]
        if members:
            model.rows.append((stay, [1.0] * len(stay), float(len(members) - budget), INF))
    warm = [0.0] * len(costs)
    slot: dict[int, int] = {}
    for j, b in enumerate(bins):
        if b.existing >= 0:
            slot[b.existing] = j
    new_slots: dict[int, list[int]] = {}
    for j, b in enumerate(bins):
        if b.offer is not None:
            new_slots.setdefault(id(b.offer), []).append(j)
    mapping: dict[int, int] = {}
    for b in layout.bins:
        if not b.active:
            continue
        if b.existing >= 0:
            mapping[b.idx] = slot[b.existing]
        elif b.offer is not None and new_slots.get(id(b.offer)):
            mapping[b.idx] = new_slots[id(b.offer)].pop(0)
    for j in mapping.values():
        warm[y_col[j]] = 1.0
    for p in pods:
        j = mapping.get(layout.where[p], -1)
        if (p, j) in x_col:
            warm[x_col[(p, j)]] = 1.0
    result = solver.solve(model, time_limit_s, warm)
    if result.status not in ("optimal", "feasible") or result.objective >= layout.cost() - 1e-6:
        return None
    return _decode(layout, bins, pods, x_col, y_col, result.values)


def _decode(
    layout: Layout,
    bins: list[Bin],
    pods: list[int],
    x_col: dict[tuple[int, int], int],
    y_col: dict[int, int],
    values: list[float],
) -> Layout | None:
    pr = layout.problem
    limits = None if layout.limits is None else replace(layout.limits, count={})
    out = Layout(pr, [], [-1] * len(pr.pod_c), list(layout.pdb_used), list(layout.unplaced), limits)
    slot_bin: dict[int, Bin] = {}
    for j, b in enumerate(bins):
        if b.existing >= 0:
            nb = Bin(len(out.bins), b.labels, b.taints, b.price, b.cap, b.existing, None, b.pinned)
            nb.reset()
            nb.active = values[y_col[j]] > 0.5
            out.bins.append(nb)
            slot_bin[j] = nb
    for j, b in enumerate(bins):
        if b.offer is not None and values[y_col[j]] > 0.5:
            slot_bin[j] = out.new_bin(b.offer)
    for p in pods:
        js = [j for j in range(len(bins)) if (p, j) in x_col and values[x_col[(p, j)]] > 0.5]
        if not js or js[0] not in slot_bin:
            return None
        target = slot_bin[js[0]]
        target.active = True
        out.place(p, target)
    for b in out.bins:
        if b.offer is not None and not b.pods:
            b.active = False
    return out
