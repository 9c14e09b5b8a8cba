"""The lower bounds never exceed the optimum: small instances solved exactly by an assignment MILP.

The Lagrangian bound prices accelerator devices per kind; the pool-capped covering LP knows that a workload
puts at most ``max(1, floor(share x n))`` replicas in one Spot pool."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.packing.milp import MilpModel
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.offers import offer_accepts
from spothive.domain.packing.planner import compute_bound
from spothive.domain.packing.pool_bound import pool_capped_bound
from spothive.domain.packing.problem import Problem, build_problem

POLICY = policy_from_dict({"aggressiveness": 80, "spot_allowed": False})
NVIDIA, AMD, NEURON = "nvidia.com/gpu", "amd.com/gpu", "aws.amazon.com/neuron"


def _type(name: str, cpu_m: int, mem: int, gpus: int, accel: str, price: float) -> InstanceType:
    return InstanceType.build(
        name, cpu_m // 1000, mem, gpus=gpus, max_pods=20, ondemand_price=price, alloc_cpu_m=cpu_m,
        alloc_memory_mib=mem, accelerator=accel if gpus else "",
    )


def catalog() -> Catalog:
    """A cheap CPU type, a large CPU type, and one device type per vendor (NVIDIA cheapest per device)."""
    types = [
        _type("c5.large", 2000, 4000, 0, "", 0.08),
        _type("m5.2xlarge", 8000, 32000, 0, "", 0.38),
        _type("g4dn.xlarge", 4000, 16000, 1, NVIDIA, 0.30),
        _type("g4ad.2xlarge", 8000, 32000, 2, AMD, 0.90),
        _type("inf1.xlarge", 4000, 8000, 1, NEURON, 0.60),
    ]
    return Catalog(types={t.name: t for t in types}, spot_prices={}, zones=("z-a",))


def optimum(problem: Problem) -> float:
    """Cheapest set of new nodes holding every pod: x[pod, node] binary, y[node] binary (copies per offer);
    each workload within its Spot pool share."""
    pods = range(len(problem.pod_c))
    bins = [o for o in problem.offers for _ in pods]
    n_y = len(bins)
    costs = [o.price for o in bins]
    x: dict[tuple[int, int], int] = {}
    rows: list[tuple[list[int], list[float], float, float]] = []
    for p, (j, o) in itertools.product(pods, enumerate(bins)):
        fits = problem.pod_c[p] <= o.cap[0] and problem.pod_m[p] <= o.cap[1] and problem.pod_g[p] <= o.cap[2]
        if fits and offer_accepts(o, problem.pod_class[p]):
            x[(p, j)] = n_y + len(x)
            costs.append(0.0)
    for p in pods:
        cols = [v for (q, _), v in x.items() if q == p]
        rows.append((cols, [1.0] * len(cols), 1.0, 1.0))
    for j, o in enumerate(bins):
        for r, use in enumerate((problem.pod_c, problem.pod_m, problem.pod_g)):
            terms = [(v, float(use[p])) for (p, k), v in x.items() if k == j and use[p] > 0]
            if terms:
                rows.append(([v for v, _ in terms] + [j], [c for _, c in terms] + [-float(o.cap[r])], -1e30, 0.0))
    share = problem.policy.max_workload_share
    owners: dict[str, list[int]] = {}
    for p in pods:
        if problem.snapshot.pods[p].owner:
            owners.setdefault(problem.snapshot.pods[p].owner, []).append(p)
    spot_pools = {(o.itype.name, o.zone) for o in bins if o.capacity_type == "spot"}
    for members in owners.values():
        if len(members) < 2:
            continue
        limit = max(1, int(share * len(members)))
        for pool in spot_pools:
            cols = [
                v for (p, j), v in x.items()
                if p in members and bins[j].capacity_type == "spot" and (bins[j].itype.name, bins[j].zone) == pool
            ]
            if cols:
                rows.append((cols, [1.0] * len(cols), -1e30, float(limit)))
    n = len(costs)
    model = MilpModel(costs, [0.0] * n, [1.0] * n, [True] * n, rows)
    result = HighsSolver().solve(model, 30.0)
    assert result.status == "optimal"
    return result.objective


POD = st.tuples(
    st.sampled_from([250, 500, 1000, 1500, 3000]),
    st.sampled_from([512, 1024, 4096, 7000]),
    st.sampled_from(["", "", NVIDIA, AMD, NEURON]),
)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(POD, min_size=1, max_size=5))
def test_bound_never_exceeds_the_exact_optimum(pods: list[tuple[int, int, str]]) -> None:
    # Given pending CPU and accelerator pods of several vendors and no nodes yet
    doc = {
        "nodes": [],
        "pods": [
            {"namespace": "ml", "name": f"p{i}", "node": None, "cpu_m": c, "memory_mib": m,
             **({"extended": {accel: 1}} if accel else {})}
            for i, (c, m, accel) in enumerate(pods)
        ],
    }
    problem = build_problem(snapshot_from_dict(doc), catalog(), POLICY)
    # When bounding and solving exactly
    bound = compute_bound(problem, set()).value
    best = optimum(problem)
    # Then the bound is a bound
    assert bound <= best + 1e-9


def test_devices_are_priced_per_vendor() -> None:
    # Given two pending Neuron pods: the cheapest device overall is NVIDIA ($0.30), Neuron costs $0.60
    doc = {
        "nodes": [],
        "pods": [
            {"namespace": "ml", "name": f"n{i}", "node": None, "cpu_m": 1000, "memory_mib": 1024,
             "extended": {NEURON: 1}}
            for i in range(2)
        ],
    }
    problem = build_problem(snapshot_from_dict(doc), catalog(), POLICY)
    # When bounding
    bound = compute_bound(problem, set()).value
    # Then each pod pays at least a Neuron node, not the cheaper NVIDIA device: 2 x $0.60 is also the optimum
    assert bound == pytest.approx(1.20, rel=1e-6)
    assert optimum(problem) == pytest.approx(1.20)


def spot_catalog(large: bool = True) -> Catalog:
    """CPU types with Spot prices in two zones (zone a is cheaper); ``large`` adds m5.2xlarge."""
    types = [_type("c5.large", 2000, 4000, 0, "", 0.08)]
    spots = {("c5.large", "z-a"): 0.02, ("c5.large", "z-b"): 0.03}
    if large:
        types.append(_type("m5.2xlarge", 8000, 32000, 0, "", 0.38))
        spots |= {("m5.2xlarge", "z-a"): 0.09, ("m5.2xlarge", "z-b"): 0.12}
    return Catalog(types={t.name: t for t in types}, spot_prices=spots, zones=("z-a", "z-b"))


SPOT = policy_from_dict({"aggressiveness": 80, "spot_allowed": True})


def _pending(pods: list[tuple[int, int, str]], large: bool = True) -> Problem:
    doc = {
        "nodes": [],
        "pods": [
            {"namespace": "app", "name": f"p{i}", "node": None, "cpu_m": c, "memory_mib": m,
             **({"owner": owner} if owner else {})}
            for i, (c, m, owner) in enumerate(pods)
        ],
    }
    return build_problem(snapshot_from_dict(doc), spot_catalog(large), SPOT)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from([500, 1000, 1800]), st.sampled_from([1024, 3000]),
                          st.sampled_from(["", "web", "web", "api"])), min_size=1, max_size=5))
def test_pool_capped_bound_never_exceeds_the_exact_optimum(pods: list[tuple[int, int, str]]) -> None:
    # Given pending pods of a few workloads and Spot pools of two zones
    problem = _pending(pods)
    # When bounding with the pool caps and solving exactly
    bound = pool_capped_bound(problem, set(), [True] * len(pods), HighsSolver(), 10.0)
    # Then the bound is proven and is a bound
    assert bound is not None
    assert bound <= optimum(problem) + 1e-9


def test_pool_caps_raise_the_bound() -> None:
    # Given two replicas of one workload, each using 90 % of a c5.large's CPU, and only c5.large offered
    problem = _pending([(1800, 3000, "web"), (1800, 3000, "web")], large=False)
    # When bounding
    pooled = pool_capped_bound(problem, set(), [True, True], HighsSolver(), 10.0)
    lagrangian = compute_bound(problem, set()).value
    # Then the share (one replica per pool) sends 0.9 of a node to zone b: 0.9 x ($0.02 + $0.03), where the
    # Lagrangian bound buys 1.8 nodes in zone a; the optimum opens one node per zone
    assert pooled == pytest.approx(0.045, rel=1e-6)
    assert lagrangian == pytest.approx(0.036, rel=1e-6)
    assert optimum(problem) == pytest.approx(0.05)
