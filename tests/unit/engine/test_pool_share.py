"""The default replica share of a Spot pool counts the replicas that stay on kept nodes of that pool."""

from __future__ import annotations

from collections import Counter

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.offers import OfferIndex
from spothive.domain.packing.planner import compute_bound, initial_layout, plan_consolidation
from spothive.domain.packing.problem import build_problem
from spothive.domain.packing.spread import spread_spot_pools
from spothive.domain.packing.spread_groups import pool_of
from spothive.domain.packing.workload_spread import spread_workloads
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog

POLICY = {"aggressiveness": 20, "excluded_namespaces": ["batch"], "flagged_pools": ["RISK:z-a:m5.xlarge"]}
POOL_A = ("m5.large", "z-a")


def _pinned_half() -> dict:
    """Eleven web replicas: five on one Spot m5.large in z-a, which a PDB (max_unavailable 0) pins, six Pending."""
    cpus = [421, 1310] + [50] * 9
    pods = [pod(f"p{i}", "n0" if i < 5 else None, cpu=c, mem=64, owner="web") for i, c in enumerate(cpus)]
    return {"cluster": "c", "nodes": [node("n0", "m5.large", "spot", "z-a")], "pods": pods,
            "pdbs": [{"namespace": "app", "name": "web", "selector_owner": "web", "max_unavailable": 0}]}


def _packed(spot_zones: tuple[str, str]) -> tuple[Layout, OfferIndex]:
    """The case as packed before the spread passes: five pending replicas on a new Spot m5.large in the first
    zone, the sixth on one in the second."""
    catalog, policy = tiny_catalog(), policy_from_dict(POLICY)
    problem = build_problem(snapshot_from_dict(_pinned_half()), catalog, policy)
    layout = initial_layout(problem, {0})
    index = OfferIndex(problem, compute_bound(problem, {0}))
    offer = {(o.itype.name, o.zone): o for o in problem.offers if o.capacity_type == "spot"}
    five, one = layout.new_bin(offer[("m5.large", spot_zones[0])]), layout.new_bin(offer[("m5.large", spot_zones[1])])
    for p in range(5, 11):
        layout.place(p, five if p < 10 else one)
    layout.unplaced = []
    return layout, index


def _per_pool(layout: Layout) -> Counter[tuple[str, str] | None]:
    return Counter(pool_of(layout.bins[w], layout.problem) for w in layout.where if w >= 0)


def test_a_plan_keeps_a_pool_holding_its_share_on_a_kept_node_from_taking_more_replicas() -> None:
    # Given 5 of 11 replicas pinned on a kept Spot node of m5.large/z-a (the share: floor(0.5 x 11) = 5)
    doc = _pinned_half()
    snap, catalog, policy = snapshot_from_dict(doc), tiny_catalog(), policy_from_dict(POLICY)
    # When planning the six Pending replicas
    plan = plan_consolidation(snap, catalog, policy)
    pool = {n.name: (n.instance_type, n.zone) for n in plan.nodes if n.capacity_type == "spot"}
    per_pool = Counter(pool.get(node_name) for node_name in plan.placements.values())
    # Then m5.large/z-a keeps its five and takes none of the new ones, every replica is placed, the plan is valid
    assert per_pool[POOL_A] == 5
    assert all(plan.placements[f"app/p{i}"] == "n0" for i in range(5))
    assert len(plan.placements) == 11 and not plan.unplaced
    assert validate_plan(snap, catalog, plan.to_dict(), policy) == []


def test_new_spot_capacity_avoids_a_pool_whose_kept_nodes_hold_the_share() -> None:
    # Given five pending replicas packed on a new node in m5.large/z-a beside the kept node's five, one in z-b
    layout, index = _packed(("z-a", "z-b"))
    # When the new Spot nodes are spread over pools
    spread_spot_pools(layout, index)
    # Then the node of five moves to z-b (z-a would hold 10 of 11); the node of one stays where it fits best
    assert layout.bins[1].offer is not None and layout.bins[1].offer.zone == "z-b"
    assert _per_pool(layout)[POOL_A] <= 6  # 5 kept + at most the single replica (the repair moves it)


def test_the_repair_moves_pending_replicas_out_of_a_pool_before_the_pinned_ones() -> None:
    # Given the same layout with z-a over its share (10 of 11) and the kept node's replicas PDB-pinned
    layout, index = _packed(("z-a", "z-b"))
    # When the spread repair runs
    spread_workloads(layout, index)
    # Then the Pending replicas leave z-a (the pinned ones cannot), so the pool holds its five again
    per_pool = _per_pool(layout)
    assert per_pool[POOL_A] == 5
    assert all(layout.where[p] == 0 for p in range(5))
    assert not layout.unplaced and sum(per_pool.values()) == 11


def _pinned_nowhere_to_go() -> dict:
    """Five web replicas: two on a kept On-Demand m5.large, two on a kept Spot m5.2xlarge (both in z-a, a PDB
    with max_unavailable 0 pins them), one Pending that must run in z-a, where the other Spot pools are flagged
    and On-Demand fallback is off."""
    zone_a = {"topology.kubernetes.io/zone": "z-a"}
    pods = [pod("p0", "n0", cpu=50, mem=255, owner="web"), pod("p1", "n0", cpu=50, mem=64),
            pod("p2", "n1", cpu=50, mem=64, owner="web"), pod("p4", "n0", cpu=50, mem=64, owner="web"),
            pod("p6", "n1", cpu=50, mem=318, owner="web"),
            pod("p3", None, cpu=50, mem=257, owner="web", node_selector=zone_a)]
    return {"cluster": "c", "nodes": [node("n0", "m5.large", "on-demand", "z-a"),
                                      node("n1", "m5.2xlarge", "spot", "z-a")],
            "pods": pods, "pdbs": [{"namespace": "app", "name": "web", "selector_owner": "web", "max_unavailable": 0}]}


def test_a_pending_replica_no_node_takes_within_the_share_stays_pending() -> None:
    # Given 2 of 5 replicas (the share) on each kept node, one in Spot m5.2xlarge/z-a, all pinned by the PDB,
    # and a Pending replica whose only offer (z-a, m5.large and m5.xlarge flagged, no On-Demand) is that pool
    doc = _pinned_nowhere_to_go()
    catalog = tiny_catalog()
    policy = policy_from_dict({"aggressiveness": 20, "flagged_pools": ["RISK:z-a:m5.large", "RISK:z-a:m5.xlarge"],
                               "spot_fallback_on_demand": False})
    snap = snapshot_from_dict(doc)
    # When planned
    plan = plan_consolidation(snap, catalog, policy)
    # Then the Pending replica stays Pending (a new m5.2xlarge in z-a would make 3 of 5 in that pool, n0 3 of 5
    # on one node), no node is added for it, the pinned replicas stay, and the plan is valid
    assert plan.unplaced == ("app/p3",)
    assert not [n for n in plan.nodes if n.new]
    assert {k: v for k, v in plan.placements.items() if k != "app/p1"} == {
        "app/p0": "n0", "app/p2": "n1", "app/p4": "n0", "app/p6": "n1"}
    assert validate_plan(snap, catalog, plan.to_dict(), policy) == []
    # And placing it on n0 instead would break the share on that node
    on_n0 = plan.to_dict() | {"placements": {**plan.placements, "app/p3": "n0"}, "unplaced": []}
    assert [v.message for v in validate_plan(snap, catalog, on_n0, policy)] == ["3 of 5 app/web on n0"]
