"""Merging pairs of new nodes into one cheaper node: the cost only falls and the plan stays valid."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spothive.domain.packing.build import build_plan
from spothive.domain.packing.layout import Layout
from spothive.domain.packing.merge import merge_pairs
from spothive.domain.packing.model import Plan, policy_from_dict, snapshot_from_dict
from spothive.domain.packing.offers import OfferIndex
from spothive.domain.packing.planner import compute_bound, initial_layout
from spothive.domain.packing.problem import build_problem
from spothive.domain.packing.spread_groups import build_groups
from spothive.domain.packing.workload_spread import Spreader
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog

HOST_SPREAD = [{"max_skew": 1, "topology_key": "kubernetes.io/hostname", "when_unsatisfiable": "DoNotSchedule"}]
POLICY = {"aggressiveness": 80, "spot_allowed": True}


def _one_new_node_per_pod(doc: dict, offer_of: list[tuple[str, str, str]]) -> tuple[Layout, Plan, Plan]:
    """Move pod i of ``doc`` onto a new node of offer ``offer_of[i]`` (type, capacity, zone), then merge.

    Returns the layout after merging and the plans before and after."""
    catalog, policy = tiny_catalog(), policy_from_dict(POLICY)
    problem = build_problem(snapshot_from_dict(doc), catalog, policy)
    bound = compute_bound(problem, set())
    index = OfferIndex(problem, bound)
    layout = initial_layout(problem, set())
    for b in list(layout.bins):
        b.active = False
    for p, (itype, capacity, zone) in enumerate(offer_of):
        offer = next(o for o in problem.offers
                     if (o.itype.name, o.capacity_type, o.zone) == (itype, capacity, zone))
        layout.unplace(p)
        layout.place(p, layout.new_bin(offer))
    spreader = Spreader(layout, index, build_groups(problem))
    spreader.run()  # the share repair first, as the planner does
    before = build_plan(layout.copy(), bound.value, set(), "heuristic", 0.0)
    merge_pairs(spreader, float("inf"), lambda: 0.0)
    return layout, before, build_plan(layout, bound.value, set(), "heuristic", 0.0)


def _doc(n: int, **extra: object) -> dict:
    nodes = [node(f"n{i}", "m5.large") for i in range(n)]
    pods = [pod(f"p{i}", f"n{i}", owner=f"w{i}", owner_kind="Deployment", **extra) for i in range(n)]
    return {"cluster": "merge", "nodes": nodes, "pods": pods, "pdbs": []}


def test_two_half_empty_on_demand_nodes_become_one_spot_node() -> None:
    # Given two pods of two workloads, each alone on a new on-demand m5.large (0.10 $/h each)
    doc = _doc(2)
    # When merging pairs
    layout, before, after = _one_new_node_per_pod(doc, [("m5.large", "on-demand", "z-a")] * 2)
    # Then both share one Spot m5.large of the zone (0.04 $/h) and the plan is valid
    assert before.cost_after_per_hour == 0.20
    assert [(b.offer.itype.name, b.offer.capacity_type) for b in layout.bins if b.active and b.offer] == [
        ("m5.large", "spot")
    ]
    assert after.cost_after_per_hour == 0.04
    assert validate_plan(snapshot_from_dict(doc), tiny_catalog(), after.to_dict(), policy_from_dict(POLICY)) == []


def test_hostname_spread_replicas_are_never_merged_onto_one_node() -> None:
    # Given two replicas of one workload with hostname spread, each alone on a new node
    doc = _doc(2, topology_spread=HOST_SPREAD)
    for p in doc["pods"]:
        p["owner"], p["labels"] = "web", {"app": "web"}
    # When merging pairs
    _, before, after = _one_new_node_per_pod(doc, [("m5.large", "on-demand", "z-a")] * 2)
    # Then nothing merges: one node each, same cost
    assert after.cost_after_per_hour == before.cost_after_per_hour == 0.20


OFFERS = [("m5.large", "on-demand", "z-a"), ("m5.xlarge", "on-demand", "z-a"), ("m5.large", "spot", "z-b"),
          ("m5.xlarge", "spot", "z-a"), ("m5.2xlarge", "on-demand", "z-b")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 8))
def test_merging_never_raises_cost_nor_breaks_a_rule(data: st.DataObject, n: int) -> None:
    # Given n pods of a few workloads (some with hostname spread), each alone on a random new node
    doc = _doc(n)
    for p in doc["pods"]:
        p["cpu_m"] = data.draw(st.integers(100, 1900))
        p["memory_mib"] = data.draw(st.integers(64, 6000))
        owner = data.draw(st.sampled_from(["web", "api", "db"]))
        p["owner"], p["labels"] = owner, {"app": owner}
        if owner == "web":
            p["topology_spread"] = HOST_SPREAD
    offer_of = [data.draw(st.sampled_from(OFFERS)) for _ in range(n)]
    # When merging pairs
    _, before, after = _one_new_node_per_pod(doc, offer_of)
    snap, catalog, policy = snapshot_from_dict(doc), tiny_catalog(), policy_from_dict(POLICY)
    assume(validate_plan(snap, catalog, before.to_dict(), policy) == [])  # each pod fits its drawn node
    # Then the cost never rises and the validator finds nothing wrong
    assert after.cost_after_per_hour <= before.cost_after_per_hour + 1e-9
    assert validate_plan(snap, catalog, after.to_dict(), policy) == []
