"""Atomic action groups: drains travel with the capacity that takes their pods; counts always add up."""

from __future__ import annotations

import pytest

from spothive.domain.action_groups import action_groups, decide_groups
from spothive.domain.decisions import RiskView, resolve_conflicts
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from tests.unit.engine.helpers import node, pod, tiny_catalog


def _plan(zone_b_pods: bool = True):
    # Two nodes in z-a drain onto a new z-a node; one in z-b drains onto a new z-b node; one pending pod
    pods = [pod("a1", "a", node_selector={"topology.kubernetes.io/zone": "z-a"}),
            pod("a2", "a2", node_selector={"topology.kubernetes.io/zone": "z-a"}),
            pod("b1", "b", node_selector={"topology.kubernetes.io/zone": "z-b"})]
    doc = {"nodes": [node("a"), node("a2"), node("b", zone="z-b")], "pods": pods}
    return plan_consolidation(snapshot_from_dict(doc), tiny_catalog(), policy_from_dict({"aggressiveness": 80}))


def test_groups_join_drains_with_the_new_nodes_that_take_their_pods() -> None:
    # Given a plan draining a and a2 onto one new node and b onto another
    plan = _plan()
    groups = action_groups(plan)
    # Then there are two groups, each with its drains, its add_node and a saving that adds up to the plan's
    by_removed = {tuple(sorted(g.evidence["removed"])): g for g in groups}
    assert set(by_removed) == {("a", "a2"), ("b",)}
    for g in groups:
        kinds = {a["type"] for a in g.actions}
        assert {"add_node", "drain_node", "remove_node"} <= kinds
        assert g.reason and g.saving_per_hour > 0
    assert sum(g.saving_per_hour for g in groups) == pytest.approx(
        plan.cost_before_per_hour - plan.cost_after_per_hour
    )


def test_a_blocked_drain_blocks_its_whole_group_and_nothing_else() -> None:
    # Given the z-b spot pool is high-risk
    plan = _plan()
    result = resolve_conflicts(plan, risk=RiskView({"z-b:m5.large": 0.5}, threshold=0.2))
    # Then b's drain and the z-b add_node are not approved, while the z-a group runs whole
    approved = {(a.type, a.target) for a in result.actions}
    assert not any(t == "b" for _, t in approved)
    new_za = {n.name for n in plan.nodes if n.new and n.zone == "z-a"}
    assert {("add_node", n) for n in new_za} <= approved
    assert {("remove_node", "a"), ("remove_node", "a2")} <= approved
    # And every drain approved has its capacity approved too
    added = {t for k, t in approved if k == "add_node"}
    for a in plan.actions:
        if a["type"] == "drain_node" and ("drain_node", a["node"]) in approved:
            assert {plan.placements[p] for p in a["pods"]} & {n.name for n in plan.nodes if n.new} <= added
    counts = result.groups.counts
    assert counts == {"planned": 2, "approved": 1, "blocked": 1, "skipped": 0}
    assert result.groups.approved_saving_per_hour < plan.cost_before_per_hour - plan.cost_after_per_hour


def test_the_disruption_budget_skips_groups_and_counts_add_up() -> None:
    groups = action_groups(_plan())
    decided = decide_groups(groups, {}, max_removals=1)
    assert decided.counts == {"planned": 2, "approved": 1, "blocked": 0, "skipped": 1}
    assert decided.approved[0].evidence["removed"] == ["b"]
    doc = decided.to_dict()
    assert doc["planned"] == doc["approved"] + doc["blocked"] + doc["skipped"] == len(doc["groups"])
