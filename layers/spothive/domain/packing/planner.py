"""Consolidation planner (MOD-PACK-01): the cheapest valid layout found, with its lower bound."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from spothive.domain.catalog import Catalog
from spothive.domain.packing.bound import Bound, lower_bound
from spothive.domain.packing.build import build_plan
from spothive.domain.packing.config_lp import solve_shapes_lp
from spothive.domain.packing.improve import downsize, remove_nodes
from spothive.domain.packing.layout import Layout
from spothive.domain.packing.lp_plan import lp_layout
from spothive.domain.packing.milp import MilpSolver, improve_with_milp
from spothive.domain.packing.model import PackingPolicy, Plan, Snapshot
from spothive.domain.packing.node_limits import forget_node_limits, node_limits
from spothive.domain.packing.offers import ClassKey, OfferIndex, class_key, offer_accepts
from spothive.domain.packing.pack import fill_existing, pack_new
from spothive.domain.packing.pool_bound import as_vec, device_slots, pool_capped_bound
from spothive.domain.packing.problem import Bin, Problem, build_problem
from spothive.domain.packing.shapes import aggregate
from spothive.domain.packing.spread import spread_spot_pools
from spothive.domain.packing.spread_improve import consolidate
from spothive.domain.packing.twins import keep_twins
from spothive.domain.packing.workload_spread import Spreader, spread_workloads
from spothive.domain.packing.zone_hints import assign_spread_zones

#: Removal thresholds tried: remove a node when its price exceeds kappa x the shadow value of its pods.
STRATEGIES: tuple[float, ...] = (0.0, 1.0, 1.3, float("inf"))
#: Thresholds still tried when the shapes LP gave a layout (a cheap safety net).
LP_BACKUP_STRATEGIES: tuple[float, ...] = (1.0,)


def node_usage(problem: Problem) -> list[list[int]]:
    """(cpu_m, memory_mib, gpus, pods) the workload (DaemonSet pods aside) requests on each node today."""
    used = [[0, 0, 0, 0] for _ in problem.snapshot.nodes]
    for pod, node in enumerate(problem.pod_orig):
        if node >= 0:
            u = used[node]
            u[0] += problem.pod_c[pod]
            u[1] += problem.pod_m[pod]
            u[2] += problem.pod_g[pod]
            u[3] += 1
    return used


def policy_kept(problem: Problem, used: Sequence[Sequence[int]]) -> set[int]:
    """Nodes the policy keeps: pinned ones, and those utilised at or above the aggressiveness threshold.

    Utilisation counts the workload plus the DaemonSet overhead against allocatable capacity.
    """
    threshold = problem.policy.aggressiveness / 100
    kept = set(problem.pinned_nodes)
    oc, om = problem.overhead[0], problem.overhead[1]
    for i, itype in enumerate(problem.node_types):
        util = max(
            (used[i][0] + oc) / max(itype.alloc_cpu_m, 1), (used[i][1] + om) / max(itype.alloc_memory_mib, 1)
        )
        if util >= threshold:
            kept.add(i)
    return kept


_FRONTIER: dict[int, dict[ClassKey, list[tuple[int, int, int]]]] = {}


def _frontier(problem: Problem, key: ClassKey) -> list[tuple[int, int, int]]:
    """Non-dominated (cpu, memory, gpu) capacities of the offers a class accepts."""
    per_problem = _FRONTIER.setdefault(id(problem), {})
    if key not in per_problem:
        caps = sorted(
            {(o.cap[0], o.cap[1], o.cap[2]) for o in problem.offers if offer_accepts(o, key)}, reverse=True
        )
        front: list[tuple[int, int, int]] = []
        for cap in caps:
            if not any(f[0] >= cap[0] and f[1] >= cap[1] and f[2] >= cap[2] for f in front):
                front.append(cap)
        per_problem[key] = front
    return per_problem[key]


def _placeable(problem: Problem, pod: int) -> bool:
    """True when some new node the policy allows would accept and fit the pod."""
    c, m, g = problem.pod_c[pod], problem.pod_m[pod], problem.pod_g[pod]
    return any(f[0] >= c and f[1] >= m and f[2] >= g for f in _frontier(problem, class_key(problem, pod)))


def compute_bound(problem: Problem, kept: set[int]) -> Bound:
    """Lower bound over every pod that could be placed at all.

    Accelerator devices count per kind (a pod asking for one kind only runs on nodes with that kind);
    devices of a kind no pod asks for serve nobody, so such nodes count as CPU/memory only.
    """
    slots = device_slots(problem)
    dims = 2 + len(slots)

    def vec(c: float, m: float, g: float, kind: str) -> tuple[float, ...]:
        return as_vec(slots, c, m, g, kind)

    demand = [0.0] * dims
    for pod in range(len(problem.pod_c)):
        if problem.pod_orig[pod] >= 0 or _placeable(problem, pod):
            need = vec(problem.pod_c[pod], problem.pod_m[pod], problem.pod_g[pod], problem.pod_class[pod][2])
            demand = [a + b for a, b in zip(demand, need, strict=True)]
    cheapest: dict[str, tuple[float, tuple[float, ...]]] = {}
    for o in problem.offers:
        if o.itype.name not in cheapest or o.price < cheapest[o.itype.name][0]:
            cheapest[o.itype.name] = (o.price, vec(o.cap[0], o.cap[1], o.cap[2], o.itype.accelerator))

    def cap(i: int) -> tuple[float, ...]:
        room = problem.node_room[i]
        return vec(room[0], room[1], room[2], problem.node_types[i].accelerator)

    pinned = [(problem.node_prices[i], cap(i)) for i in sorted(kept)]
    removable = [(problem.node_prices[i], cap(i)) for i in range(len(problem.node_types)) if i not in kept]
    return lower_bound(tuple(demand), list(cheapest.values()), pinned, removable)


def initial_layout(problem: Problem, kept: set[int]) -> Layout:
    """Every node active with its current pods; pending pods unplaced."""
    layout = Layout(
        problem, [], [-1] * len(problem.pod_c), [0] * len(problem.pdb_budget), limits=node_limits(problem)
    )
    for i, room in enumerate(problem.node_room):
        b = Bin(
            idx=i,
            labels=problem.node_labels[i],
            taints=problem.node_taints[i],
            price=problem.node_prices[i],
            cap=room,
            existing=i,
            offer=None,
            pinned=i in kept,
        )
        b.reset()
        layout.bins.append(b)
    for pod, node in enumerate(problem.pod_orig):
        if node >= 0:
            layout.place(pod, layout.bins[node])
    return layout


def run_strategy(problem: Problem, kept: set[int], index: OfferIndex, kappa: float) -> Layout:
    """Remove nodes worth less than their price (kappa), repack their pods, then improve locally."""
    layout = initial_layout(problem, kept)
    bound = index.bound
    used = node_usage(problem)
    pdb_count: list[dict[int, int]] = [{} for _ in problem.node_types]
    for pod, node in enumerate(problem.pod_orig):
        pdb = problem.pod_pdb[pod]
        if node >= 0 and pdb >= 0:
            pdb_count[node][pdb] = pdb_count[node].get(pdb, 0) + 1

    def score(i: int) -> float:
        worth = bound.worth(used[i][0], used[i][1], used[i][2])
        return problem.node_prices[i] / worth if worth > 0 else float("inf")

    eligible = sorted(
        (i for i in range(len(problem.node_types)) if i not in kept), key=lambda i: (-score(i), i)
    )
    to_place = [p for p in range(len(problem.pod_c)) if problem.pod_orig[p] < 0 and _placeable(problem, p)]
    layout.unplaced = [
        p for p in range(len(problem.pod_c)) if problem.pod_orig[p] < 0 and not _placeable(problem, p)
    ]
    for i in eligible:
        if score(i) <= kappa:
            continue
        counts = pdb_count[i]
        if any(layout.pdb_used[b] + n > problem.pdb_budget[b] for b, n in counts.items()):
            continue
        if not all(_placeable(problem, p) for p in layout.bins[i].pods):
            continue
        for b, n in counts.items():
            layout.pdb_used[b] += n
        victim = layout.bins[i]
        for pod in list(victim.pods):
            layout.unplace(pod)
            to_place.append(pod)
        victim.active = False
    rest = fill_existing(layout, to_place, index)
    pack_new(layout, rest, index)
    downsize(layout, index)
    remove_nodes(layout, index)
    downsize(layout, index)
    return layout


def _churn(layout: Layout) -> tuple[int, int]:
    """(new nodes, pods moved off their node): what a layout disturbs."""
    new = sum(1 for b in layout.bins if b.active and b.existing < 0)
    pr = layout.problem
    moved = sum(
        1
        for p, w in enumerate(layout.where)
        if pr.pod_orig[p] >= 0 and (w < 0 or layout.bins[w].existing != pr.pod_orig[p])
    )
    return new, moved


def _better(layout: Layout, best: Layout) -> bool:
    """Cheaper, or as cheap and less disruptive (stability wins ties)."""
    cost, best_cost = layout.cost(), best.cost()
    if cost < best_cost - 1e-9:
        return True
    return cost <= best_cost + 1e-9 and _churn(layout) < _churn(best)


def plan_consolidation(
    snapshot: Snapshot,
    catalog: Catalog,
    policy: PackingPolicy,
    solver: MilpSolver | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Plan:
    """Plan which nodes to drain and remove, which to add, and where every pod goes.

    A fast heuristic (LP-guided first-fit-decreasing plus node-removal search) under several removal
    thresholds; a MILP refinement when ``solver`` is given and the instance is small; a Lagrangian lower
    bound so the plan reports its own optimality gap.
    """
    started = clock()
    problem = build_problem(snapshot, catalog, policy)
    kept = policy_kept(problem, node_usage(problem))
    assign_spread_zones(problem, kept)
    bound = compute_bound(problem, kept)
    index = OfferIndex(problem, bound)
    best: Layout | None = None
    bound_value = bound.value
    if solver is not None:
        placeable = [_placeable(problem, p) for p in range(len(problem.pod_c))]
        counted = [problem.pod_orig[p] >= 0 or ok for p, ok in enumerate(placeable)]
        pooled = pool_capped_bound(problem, kept, counted, solver, policy.milp_time_limit_s)
        if pooled is not None:
            bound_value = max(bound_value, pooled)
        agg = aggregate(problem, kept, placeable)
        cells = len(agg.shapes) * (len(agg.columns) + len(agg.groups))
        if 0 < cells <= policy.lp_max_cells:
            answer = solve_shapes_lp(problem, agg, solver, policy.milp_time_limit_s)
            if answer.bound is not None:
                bound_value = max(bound_value, answer.bound)
                start = initial_layout(problem, kept)
                start.unplaced = [p for p, ok in enumerate(placeable) if not ok and problem.pod_orig[p] < 0]
                best = lp_layout(
                    problem, start, agg, answer, index, solver, policy.milp_time_limit_s, placeable
                )
                if any(problem.pod_orig[p] >= 0 for p in best.unplaced):
                    best = None
    for kappa in STRATEGIES if best is None else LP_BACKUP_STRATEGIES:
        layout = run_strategy(problem, kept, index, kappa)
        if best is None or _better(layout, best):
            best = layout
    assert best is not None
    _FRONTIER.pop(id(problem), None)
    forget_node_limits()
    method = "heuristic"
    if solver is not None and len(snapshot.pods) <= policy.milp_max_pods:
        improved = improve_with_milp(best, index, solver, policy.milp_time_limit_s)
        if improved is not None:
            best, method = improved, "milp"
    spread_spot_pools(best, index)
    spreader = spread_workloads(best, index) or Spreader(best, index, [])  # no groups: no limits to keep
    if spreader is not None:
        deadline = clock() + policy.improve_time_limit_s
        consolidate(spreader, deadline, clock)
    keep_twins(best)  # never replace a node by a new one just like it: that only disrupts
    if best.cost() > sum(problem.node_prices) + 1e-9 and all(o >= 0 for o in problem.pod_orig):
        best = initial_layout(problem, kept)  # spreading cost more than it saved: leave the cluster as it is
    return build_plan(best, bound_value, kept, method, clock() - started)
