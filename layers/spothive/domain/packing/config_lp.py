"""The shapes LP: a relaxation of the whole packing problem over pod shapes, node groups and offer columns.

Variables: ``n_t`` new nodes of offer column t (fractional), ``z_g`` removable nodes kept in group g
(0..count), ``x_sj`` pods of shape s on destination j (a column or a group). Rows: every shape is placed;
on every destination, requested CPU, memory, GPUs and pod slots stay within the capacity bought; kept groups
offer their free capacity after pinned pods; and a node of t holds at most ``k_st`` pods of s (the integral
per-node limit, which the plain LP would otherwise split). Any valid plan gives a feasible point of this LP
(take n_t = nodes opened, z_g = nodes kept, x = pod counts), so its optimum plus the price of kept nodes is
a lower bound on every plan's cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spothive.domain.packing.milp import MilpModel, MilpSolver
from spothive.domain.packing.offers import offer_accepts
from spothive.domain.packing.problem import Problem
from spothive.domain.packing.shapes import Aggregate, Cap, fits, group_accepts

INF = float("inf")
#: Add the per-node limit row x_st <= k_st n_t when a node of t holds at most this many pods of s.
PER_NODE_LIMIT = 64


@dataclass(slots=True)
class ShapesLp:
    """The LP and the meaning of its columns."""

    model: MilpModel
    n_col: dict[int, int] = field(default_factory=dict)  # column -> variable
    z_col: dict[int, int] = field(default_factory=dict)  # group -> variable
    x_col: dict[tuple[int, str, int], int] = field(default_factory=dict)  # (shape, "n"|"g", dest) -> var


def _per_node(req: Cap, cap: Cap) -> int:
    return min(cap[r] // req[r] for r in range(4) if req[r] > 0)


def build_shapes_lp(problem: Problem, agg: Aggregate) -> ShapesLp:
    """The relaxation as a ``MilpModel`` with no integer variables."""
    model = MilpModel([], [], [], [])
    lp = ShapesLp(model)

    def var(cost: float, upper: float) -> int:
        model.costs.append(cost)
        model.lower.append(0.0)
        model.upper.append(upper)
        model.integer.append(False)
        return len(model.costs) - 1

    dest_rows: dict[tuple[str, int], list[tuple[list[int], list[float]]]] = {}
    for t, o in enumerate(agg.columns):
        lp.n_col[t] = var(o.price, INF)
        dest_rows[("n", t)] = [([], []) for _ in range(4)]
    for g, grp in enumerate(agg.groups):
        if not grp.kept:
            lp.z_col[g] = var(grp.price, float(len(grp.nodes)))
        dest_rows[("g", g)] = [([], []) for _ in range(4)]
    limits: list[tuple[int, int, int]] = []
    for s, shape in enumerate(agg.shapes):
        cols: list[int] = []
        for t, o in enumerate(agg.columns):
            if not (fits(shape.req, o.cap) and offer_accepts(o, shape.key)):
                continue
            x = var(0.0, float(shape.count))
            lp.x_col[(s, "n", t)] = x
            cols.append(x)
            _add_use(dest_rows[("n", t)], x, shape.req)
            k = _per_node(shape.req, o.cap)
            if k <= PER_NODE_LIMIT and k < shape.count:
                limits.append((x, lp.n_col[t], k))
        for g, grp in enumerate(agg.groups):
            if not grp.nodes:
                continue
            ok = any(fits(shape.req, f) for f in grp.free) if grp.kept else fits(shape.req, grp.cap)
            if not ok or not group_accepts(problem, grp, shape, g):
                continue
            x = var(0.0, float(shape.count))
            lp.x_col[(s, "g", g)] = x
            cols.append(x)
            _add_use(dest_rows[("g", g)], x, shape.req)
            if not grp.kept:
                k = _per_node(shape.req, grp.cap)
                if k <= PER_NODE_LIMIT and k < shape.count:
                    limits.append((x, lp.z_col[g], k))
        model.rows.append((cols, [1.0] * len(cols), float(shape.count), float(shape.count)))
    for (kind, j), rows in dest_rows.items():
        for r, (cols, coefs) in enumerate(rows):
            if not cols:
                continue
            if kind == "n":
                cap = agg.columns[j].cap[r]
                model.rows.append(([*cols, lp.n_col[j]], [*coefs, -float(cap)], -INF, 0.0))
            elif not agg.groups[j].kept:
                cap = agg.groups[j].cap[r]
                model.rows.append(([*cols, lp.z_col[j]], [*coefs, -float(cap)], -INF, 0.0))
            else:
                room = float(sum(max(0, f[r]) for f in agg.groups[j].free))
                model.rows.append((cols, coefs, -INF, room))
    for x, n, k in limits:
        model.rows.append(([x, n], [1.0, -float(k)], -INF, 0.0))
    return lp


def _add_use(rows: list[tuple[list[int], list[float]]], x: int, req: Cap) -> None:
    for r in range(4):
        if req[r] > 0:
            rows[r][0].append(x)
            rows[r][1].append(float(req[r]))


@dataclass(frozen=True, slots=True)
class LpAnswer:
    """The LP bound (kept nodes included) and its solution, or None values when the solve failed."""

    bound: float | None
    values: list[float]
    lp: ShapesLp
    agg: Aggregate


def solve_shapes_lp(problem: Problem, agg: Aggregate, solver: MilpSolver, time_limit_s: float) -> LpAnswer:
    """Solve the relaxation; the bound is reported only when the solver proves optimality."""
    lp = build_shapes_lp(problem, agg)
    result = solver.solve(lp.model, time_limit_s)
    if result.status != "optimal":
        return LpAnswer(None, [], lp, agg)
    value = agg.fixed_cost + result.objective
    return LpAnswer(value - 1e-7 * abs(value), result.values, lp, agg)
