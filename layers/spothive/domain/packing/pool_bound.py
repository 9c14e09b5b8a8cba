"""The covering LP with Spot pool caps: a lower bound that knows the default replica share.

Resources are CPU, memory and the devices of each accelerator kind apart (``vectors``). The LP buys
fractional new nodes ``n_o`` of every offer and keeps a fraction ``z_i`` of every removable node; ``u_or``
is how much of resource r the pods use on offer o's nodes (at most ``cap_or x n_o``); all use plus kept room
covers the demand. A workload of n >= 2 replicas may put at most ``L = max(1, floor(share x n))`` of them in
one Spot pool (more only if it runs more there today), so the pods in pool P use at most
``U_Pr = sum over workloads of its L largest requests of r`` (plus every pod of no workload): the row
``sum over o in P of u_or <= U_Pr``. Any valid plan gives a feasible point (n_o = nodes it opens, z_i = nodes
it keeps, u_or = requests it places there), so the LP optimum plus the price of pinned nodes is a bound.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from spothive.domain.packing.milp import MilpModel, MilpSolver
from spothive.domain.packing.problem import Problem

INF = float("inf")
Vec = tuple[float, ...]


def device_slots(problem: Problem) -> dict[str, int]:
    """Vector position of each accelerator kind some pod asks for (after CPU and memory)."""
    kinds = sorted({problem.pod_class[p][2] for p in range(len(problem.pod_c)) if problem.pod_g[p] > 0})
    return {k: 2 + j for j, k in enumerate(kinds)}


def as_vec(slots: dict[str, int], c: float, m: float, g: float, kind: str) -> Vec:
    """(cpu, memory, devices per kind): devices of a kind no pod asks for serve nobody and count as zero."""
    v = [c, m] + [0.0] * len(slots)
    if g > 0 and kind in slots:
        v[slots[kind]] = g
    return tuple(v)


def _pool_caps(problem: Problem, slots: dict[str, int], counted: list[bool]) -> dict[tuple[str, str], Vec]:
    """``U_P`` for every Spot pool an offer opens."""
    share = problem.policy.max_workload_share
    dims = 2 + len(slots)
    pods = problem.snapshot.pods
    need = [
        as_vec(slots, problem.pod_c[p], problem.pod_m[p], problem.pod_g[p], problem.pod_class[p][2])
        for p in range(len(pods))
    ]
    owners: dict[tuple[str, str], list[int]] = defaultdict(list)
    loose = [0.0] * dims
    for p, pod in enumerate(pods):
        if pod.owner:
            owners[(pod.namespace, pod.owner)].append(p)
        elif counted[p]:
            loose = [a + b for a, b in zip(loose, need[p], strict=True)]
    pools = sorted({(o.itype.name, o.zone) for o in problem.offers if o.capacity_type == "spot"})
    base = list(loose)
    extra: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * dims)
    for members in owners.values():
        live = [p for p in members if counted[p]]
        top = [sorted((need[p][r] for p in live), reverse=True) for r in range(dims)]
        prefix = [list(itertools.accumulate(t, initial=0.0)) for t in top]
        if share >= 1 or len(members) < 2:
            base = [a + prefix[r][-1] for r, a in enumerate(base)]
            continue
        limit = max(1, math.floor(share * len(members)))
        base = [a + prefix[r][min(limit, len(top[r]))] for r, a in enumerate(base)]
        today: dict[tuple[str, str], int] = defaultdict(int)
        for p in members:
            o = problem.pod_orig[p]
            if o >= 0 and problem.snapshot.nodes[o].capacity_type == "spot":
                today[(problem.snapshot.nodes[o].instance_type, problem.snapshot.nodes[o].zone)] += 1
        for pool, k in today.items():  # a workload may keep in a pool what it runs there today
            if k > limit:
                add = extra[pool]
                for r in range(dims):
                    add[r] += prefix[r][min(k, len(top[r]))] - prefix[r][min(limit, len(top[r]))]
    return {pool: tuple(a + b for a, b in zip(base, extra[pool], strict=True)) for pool in pools}


def pool_capped_bound(
    problem: Problem, kept: set[int], counted: list[bool], solver: MilpSolver, time_limit_s: float
) -> float | None:
    """The LP bound (pinned nodes included), or None when the solver does not prove optimality.

    ``counted[p]`` says pod p is in the demand (it runs today or some new node could take it)."""
    slots = device_slots(problem)
    dims = 2 + len(slots)
    demand = [0.0] * dims
    for p in range(len(problem.pod_c)):
        if counted[p]:
            v = as_vec(slots, problem.pod_c[p], problem.pod_m[p], problem.pod_g[p], problem.pod_class[p][2])
            demand = [a + b for a, b in zip(demand, v, strict=True)]
    caps = _pool_caps(problem, slots, counted)
    model = MilpModel([], [], [], [])

    def var(cost: float, upper: float) -> int:
        model.costs.append(cost)
        model.lower.append(0.0)
        model.upper.append(upper)
        model.integer.append(False)
        return len(model.costs) - 1

    cover: list[tuple[list[int], list[float]]] = [([], []) for _ in range(dims)]
    in_pool: dict[tuple[tuple[str, str], int], list[int]] = defaultdict(list)
    for o in sorted(problem.offers, key=lambda o: (o.itype.name, o.capacity_type, o.zone, o.price)):
        cap = as_vec(slots, o.cap[0], o.cap[1], o.cap[2], o.itype.accelerator)
        n = var(o.price, INF)
        for r in range(dims):
            if cap[r] <= 0:
                continue
            u = var(0.0, INF)
            model.rows.append(([u, n], [1.0, -cap[r]], -INF, 0.0))
            cover[r][0].append(u)
            cover[r][1].append(1.0)
            if o.capacity_type == "spot":
                in_pool[((o.itype.name, o.zone), r)].append(u)
    fixed = 0.0
    for i, room in enumerate(problem.node_room):
        cap = as_vec(slots, room[0], room[1], room[2], problem.node_types[i].accelerator)
        if i in kept:
            fixed += problem.node_prices[i]
            demand = [d - c for d, c in zip(demand, cap, strict=True)]
            continue
        z = var(problem.node_prices[i], 1.0)
        for r in range(dims):
            if cap[r] > 0:
                cover[r][0].append(z)
                cover[r][1].append(cap[r])
    for r, (cols, coefs) in enumerate(cover):
        if demand[r] > 0:
            model.rows.append((cols, coefs, demand[r], INF))
    for (pool, r), cols in sorted(in_pool.items()):
        if caps[pool][r] < demand[r]:
            model.rows.append((cols, [1.0] * len(cols), -INF, caps[pool][r]))
    result = solver.solve(model, time_limit_s)
    if result.status != "optimal":
        return None
    value = fixed + result.objective
    return value - 1e-7 * abs(value)
