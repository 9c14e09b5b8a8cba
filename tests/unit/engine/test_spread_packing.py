"""Spread applied while packing: zone targets before packing and per-node limits counted on every placement."""

from __future__ import annotations

from collections import Counter

from spothive.domain.catalog import Catalog
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.node_limits import node_limits
from spothive.domain.packing.planner import initial_layout, plan_consolidation
from spothive.domain.packing.problem import build_problem
from spothive.domain.packing.zone_hints import assign_spread_zones
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog

ZONE_SPREAD = [{"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "when_unsatisfiable": "DoNotSchedule",
                "selector": {"matchLabels": {"app": "web"}}}]
HOST_SPREAD = [{"max_skew": 1, "topology_key": "kubernetes.io/hostname", "when_unsatisfiable": "DoNotSchedule"}]
POLICY = {"aggressiveness": 80}


def _zone_catalog() -> Catalog:
    """z-b is the cheaper zone for every spot pool."""
    base = tiny_catalog()
    spots = {(t, "z-b" if z == "z-a" else "z-a"): p for (t, z), p in base.spot_prices.items()}
    return Catalog(types=base.types, spot_prices=spots, zones=base.zones)


def _skewed() -> dict:
    """Six zone-spread replicas, five of them in z-a today, on half-empty nodes."""
    nodes = [node("a0", "m5.2xlarge", zone="z-a"), node("a1", "m5.2xlarge", zone="z-a"), node("b0", zone="z-b")]
    where = ["a0", "a0", "a0", "a1", "a1", "b0"]
    pods = [pod(f"w{i}", n, owner="web", labels={"app": "web"}, topology_spread=ZONE_SPREAD)
            for i, n in enumerate(where)]
    return {"nodes": nodes, "pods": pods}


def test_zone_targets_split_a_skewed_workload_evenly_before_packing() -> None:
    # Given six zone-spread replicas, five in z-a and one in z-b today
    problem = build_problem(snapshot_from_dict(_skewed()), _zone_catalog(), policy_from_dict(POLICY))
    # When zones are assigned before packing
    moved = assign_spread_zones(problem, set())
    # Then two replicas are sent from z-a to z-b, and every replica's class names one zone: three and three
    assert moved == 2
    assert Counter(problem.pod_class[p][4] for p in range(6)) == {("z-a",): 3, ("z-b",): 3}
    assert problem.pod_class[5][4] == ("z-b",)  # the one in z-b keeps its zone


def test_a_skewed_zone_spread_workload_is_planned_balanced_and_valid() -> None:
    # Given the skewed workload (consolidation would like one cheap zone)
    doc = _skewed()
    snap, catalog, policy = snapshot_from_dict(doc), _zone_catalog(), policy_from_dict(POLICY)
    # When planning
    plan = plan_consolidation(snap, catalog, policy)
    zone = {n.name: n.zone for n in plan.nodes}
    per_zone = Counter(zone[plan.placements[f"app/w{i}"]] for i in range(6))
    # Then the plan holds three replicas per zone, costs less than today and breaks no rule
    assert sorted(per_zone.values()) == [3, 3]
    assert plan.cost_after_per_hour < plan.cost_before_per_hour
    assert validate_plan(snap, catalog, plan.to_dict(), policy) == []


def test_a_node_takes_one_replica_of_a_hostname_spread_workload() -> None:
    # Given three hostname-spread replicas on three nodes, and the layout packers start from
    doc = {"nodes": [node(f"n{i}") for i in range(3)],
           "pods": [pod(f"w{i}", f"n{i}", cpu=200, mem=256, owner="web", topology_spread=HOST_SPREAD)
                    for i in range(3)]}
    problem = build_problem(snapshot_from_dict(doc), tiny_catalog(), policy_from_dict(POLICY))
    assert node_limits(problem) is not None
    layout = initial_layout(problem, set())
    n0, n1 = layout.bins[0], layout.bins[1]
    # When asking whether node n0 (holding w0) may take w1
    # Then it may not; once w0 leaves, it may, and after w1 moves there n1 is free for w0 but n0 is full
    assert not layout.allows(1, n0)
    layout.unplace(0)
    assert layout.allows(1, n0)
    layout.unplace(1)
    layout.place(1, n0)
    assert layout.allows(0, n1)
    assert not layout.allows(2, n0)
