"""A packing plan survives its JSON form (detect stores it, decide reads it back)."""

from __future__ import annotations

from spothive.domain.packing.model import Decision, Plan, PlanNode
from spothive.services.plan_codec import empty_plan, plan_from_dict


def test_plan_round_trips_through_to_dict():
    plan = Plan(
        1.0, 0.5, (PlanNode("n1", "m5.large", "spot", "us-east-1a", True, 0.04),),
        {"web/a": "n1"}, ("web/b",), ({"type": "add_node", "node": "n1"},),
        (Decision("add_node", "n1: new", {"node": "n1"}),), 0.4, "milp", 0.5,
    )
    assert plan_from_dict(plan.to_dict()) == plan


def test_the_empty_plan_changes_nothing():
    plan = empty_plan()
    assert (plan.nodes, plan.actions, plan.cost_after_per_hour) == ((), (), 0.0)
