"""Decision engine and savings projection."""

from __future__ import annotations

import pytest

from spothive.domain.decisions import RiskView, SpotReplacement, repair_plan, resolve_conflicts
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from spothive.domain.projection import project_savings
from spothive.domain.rightsizing import Recommendation
from tests.unit.engine.helpers import node, pod, tiny_catalog


def _spot_plan():
    snap = snapshot_from_dict({"nodes": [node("a"), node("b")], "pods": [pod("p1", "a"), pod("p2", "b")]})
    return plan_consolidation(snap, tiny_catalog(), policy_from_dict({"aggressiveness": 80}))


def test_safe_plan_is_ordered_capacity_first() -> None:
    result = resolve_conflicts(_spot_plan(), risk=RiskView({"z-a:m5.large": 0.05}))
    kinds = [a.type for a in result.actions]
    assert kinds == ["add_node", "drain_node", "drain_node", "remove_node", "remove_node"]
    assert result.blocked == ()
    assert all(a.reason and isinstance(a.evidence, dict) for a in result.actions)


def test_removal_onto_high_risk_node_is_blocked() -> None:
    # Given the packer wants to delete a and b onto a new spot node the risk model rates 0.35
    result = resolve_conflicts(_spot_plan(), risk=RiskView({"z-a:m5.large": 0.35}, threshold=0.2))
    # Then both removals are blocked (stability over savings) and the new node is not added
    assert [a.type for a in result.actions] == []
    assert sorted(a.target for a in result.blocked) == ["a", "b"]
    assert result.blocked[0].evidence["interruption_probability"] == 0.35


def test_flagged_pool_blocks_spot_replacement_and_unconfident_sizing() -> None:
    plan = _spot_plan()
    spot = [SpotReplacement("c", "m5.xlarge", "z-b", 0.11, "cheaper spot pool")]
    sizing = [Recommendation("app", "p1", "c", 100, 128, False, 3600, "short history")]
    result = resolve_conflicts(plan, spot, sizing, RiskView(flagged={"RISK:z-b:m5.xlarge"}))
    blocked = {(a.type, a.target) for a in result.blocked}
    assert ("replace_with_spot", "c") in blocked
    assert ("resize", "app/p1/c") in blocked


def test_projection_uses_730_hours() -> None:
    p = project_savings([0.4, 0.2], [0.1])
    assert (p.monthly_before, p.monthly_after) == (438.0, 73.0)
    assert p.monthly_savings == pytest.approx(365.0)
    assert p.savings_pct == pytest.approx(83.333, rel=1e-3)


def test_blocked_removal_is_repaired_into_a_valid_consistent_plan() -> None:
    # Given pods pinned by zone: p1 to z-a, p2 to z-b; the packer replaces both nodes with spot m5.large
    doc = {
        "nodes": [node("a"), node("b", zone="z-b")],
        "pods": [
            pod("p1", "a", node_selector={"topology.kubernetes.io/zone": "z-a"}),
            pod("p2", "b", node_selector={"topology.kubernetes.io/zone": "z-b"}),
        ],
    }
    snap, catalog = snapshot_from_dict(doc), tiny_catalog()
    policy = policy_from_dict({"aggressiveness": 80})
    plan = plan_consolidation(snap, catalog, policy)
    assert plan.cost_after_per_hour == pytest.approx(0.09)  # m5.large spot in z-a (0.04) and z-b (0.05)
    risk = RiskView({"z-a:m5.large": 0.35}, threshold=0.2)
    assert [a.target for a in resolve_conflicts(plan, risk=risk).blocked] == ["a"]
    # When the plan is repaired against the decisions
    fixed, actions = repair_plan(snap, catalog, policy, plan, risk)
    # Then a stays with its pod, b still goes to z-b spot, and nothing in the final plan is blocked
    assert fixed.placements["app/p1"] == "a"
    assert fixed.cost_after_per_hour == pytest.approx(0.25)
    assert validate_plan(snap, catalog, fixed.to_dict(), policy) == []
    assert resolve_conflicts(fixed, risk=risk).blocked == ()
    assert [(a.type, a.target) for a in actions.blocked] == [("remove_node", "a")]
    assert ("remove_node", "b") in {(a.type, a.target) for a in actions.actions}
    assert all(a.target != "a" for a in actions.actions)
