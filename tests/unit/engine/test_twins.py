"""A plan never removes a node only to add a new one of the same type, capacity type and zone."""

from __future__ import annotations

from spothive.domain.packing.layout import Layout
from spothive.domain.packing.model import PackingPolicy, snapshot_from_dict
from spothive.domain.packing.planner import initial_layout
from spothive.domain.packing.problem import build_problem
from spothive.domain.packing.twins import keep_twins
from tests.unit.engine.helpers import node, pod, tiny_catalog


def _layout() -> tuple[Layout, int]:
    """Two m5.xlarge On-Demand nodes in z-a; the layout empties ``a`` and opens a new m5.xlarge in z-a."""
    snap = snapshot_from_dict({"nodes": [node("a"), node("b")],
                               "pods": [pod("w1", "a", cpu=300), pod("w2", "b", cpu=300)]})
    problem = build_problem(snap, tiny_catalog(), PackingPolicy(spot_allowed=False))
    layout = initial_layout(problem, set())
    offer = next(o for o in problem.offers if o.itype.name == "m5.xlarge" and o.capacity_type == "on-demand"
                 and o.zone == "z-a")
    fresh = layout.new_bin(offer)
    layout.unplace(0)
    layout.place(0, fresh)
    layout.bins[0].active = False
    return layout, fresh.idx


def test_a_removed_node_is_kept_instead_of_its_new_twin() -> None:
    # Given a layout that removes node a and adds a new node just like it for a's own pod
    layout, fresh = _layout()
    cost = layout.cost()
    # When twins are kept
    assert keep_twins(layout) == 1
    # Then a stays with its pod, the new node is not added, and the cost is the same
    assert layout.bins[0].active and layout.where[0] == 0 and not layout.bins[fresh].active
    assert layout.cost() == cost


def test_a_twin_that_cannot_take_the_pods_is_left_removed() -> None:
    # Given the same layout where the new node also holds b's pod, which a's taint keeps out
    layout, fresh = _layout()
    layout.unplace(1)
    layout.place(1, layout.bins[fresh])
    layout.bins[0].taints = frozenset({"dedicated"})
    cost = layout.cost()
    # When twins are kept, Then nothing changes: the new node keeps both pods, a stays removed
    assert keep_twins(layout) == 0
    assert not layout.bins[0].active and layout.bins[fresh].active
    assert (layout.where[0], layout.where[1]) == (fresh, fresh) and layout.cost() == cost
