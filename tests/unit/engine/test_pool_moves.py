"""Risk moves out of flagged Spot pools and the reasons naming the chosen pool (domain.pool_moves/choice)."""

from __future__ import annotations

from datetime import UTC, datetime

from spothive.domain.action_groups import action_groups, decide_groups
from spothive.domain.packing.model import PlanNode, policy_from_dict, snapshot_from_dict
from spothive.domain.plan_validation import validate_plan
from spothive.domain.pool_choice import PoolView, choice_reason, explain_choices
from spothive.domain.pool_moves import PDB_DEFERRED, flagged_spot_nodes, plan_with_risk_moves
from spothive.domain.risk_signals import FlagLevel, PoolFlag
from tests.unit.engine.helpers import node, pod, tiny_catalog

NOW = datetime(2026, 3, 8, 10, 20, tzinfo=UTC)
FLAG = PoolFlag("z-a", "m5.xlarge", FlagLevel.DANGER, 3, "2026-03-08T10:16:00+00:00")
# Two Spot m5.xlarge nodes in z-a, busy enough that consolidation alone keeps both
DOC = {"nodes": [node("s1", capacity="spot"), node("s2", capacity="spot")],
       "pods": [pod("a1", "s1", cpu=1500, owner="a"), pod("a2", "s2", cpu=1500, owner="a")]}


def _policy(**extra: object) -> object:
    return policy_from_dict({"aggressiveness": 30, "flagged_pools": ["RISK:z-a:m5.xlarge"], **extra})


def test_flagged_spot_nodes_are_the_spot_nodes_of_flagged_pools_only() -> None:
    doc = {"nodes": [*DOC["nodes"], node("od", capacity="on-demand"), node("b", capacity="spot", zone="z-b")]}
    assert flagged_spot_nodes(snapshot_from_dict(doc), {"RISK:z-a:m5.xlarge"}) == ["s1", "s2"]


def test_nodes_in_a_flagged_pool_move_to_unflagged_spot_capacity_as_a_risk_move() -> None:
    # Given both nodes' pool flagged (and so not offered for new capacity)
    snap, policy = snapshot_from_dict(DOC), _policy()
    # When planned with both asked to leave
    plan, stays = plan_with_risk_moves(snap, tiny_catalog(), policy, {"s1": "flagged", "s2": "flagged"})
    # Then both are drained and removed, their pods land on new Spot capacity outside z-a, and nothing pends
    assert stays == {}
    removed = sorted(a["node"] for a in plan.actions if a["type"] == "remove_node")
    assert removed == ["s1", "s2"]
    new = [n for n in plan.nodes if n.new]
    assert new and all(n.capacity_type == "spot" and (n.zone, n.instance_type) != ("z-a", "m5.xlarge") for n in new)
    assert plan.unplaced == () and {plan.placements["app/a1"], plan.placements["app/a2"]} <= {n.name for n in new}
    # the cost before counts the leaving nodes (2 x $0.08), the plan stays valid for the independent checks
    assert round(plan.cost_before_per_hour, 6) == 0.16
    assert validate_plan(snap, tiny_catalog(), plan.to_dict(), policy) == []
    # And the group is a risk move even though it costs more, and it comes first within the budget
    groups = action_groups(plan)
    risky = [g for g in groups if g.evidence.get("risk_move")]
    assert risky and risky[0].evidence["pools_left"] == ["z-a:m5.xlarge"]
    assert risky[0].reason.startswith("risk move: ")
    decided = decide_groups(groups, {}, max_removals=1)
    assert decided.approved[0].evidence.get("risk_move") is True


def test_a_node_with_do_not_disrupt_pods_stays_and_says_why() -> None:
    doc = {**DOC, "pods": [pod("a1", "s1", cpu=1500, do_not_disrupt=True), pod("a2", "s2", cpu=1500)]}
    plan, stays = plan_with_risk_moves(snapshot_from_dict(doc), tiny_catalog(), _policy(), {"s1": "f", "s2": "f"})
    assert stays == {"s1": "stays: it runs do-not-disrupt, excluded-namespace or system-critical pods"}
    assert sorted(a["node"] for a in plan.actions if a["type"] == "remove_node") == ["s2"]


def test_without_on_demand_fallback_and_no_spot_pool_left_the_node_stays_rather_than_leave_pods_pending() -> None:
    # Given every other Spot pool too risky and On-Demand fallback off
    risky = {"z-b:m5.xlarge": 0.9, "m5.large": 0.9, "m5.2xlarge": 0.9}
    policy = _policy(pool_risk=risky, spot_fallback_on_demand=False)
    plan, stays = plan_with_risk_moves(snapshot_from_dict(DOC), tiny_catalog(), policy, {"s1": "f"})
    # Then s1 stays, with its reason, and no pod is left unplaced
    assert stays == {"s1": "stays: no allowed capacity can take all its pods (they would be left Pending)"}
    assert plan.unplaced == () and not any(a["type"] == "remove_node" and a["node"] == "s1" for a in plan.actions)


def test_the_reason_names_the_pool_chosen_and_the_flagged_zone_it_was_rerouted_from() -> None:
    view = PoolView({"z-b:m5.xlarge": 0.04}, {FLAG.key: FLAG}, {}, 20, NOW)
    chosen = PlanNode("spothive-new-0001", "m5.xlarge", "spot", "z-b", True, 0.09)
    assert choice_reason(chosen, view) == (
        "m5.xlarge Spot in z-b: z-a flagged by 3 interruption reports in the last 20 min (last at 10:16 UTC)")
    # another family, and On-Demand, say which fallback they are
    other = PlanNode("n2", "m7g.xlarge", "spot", "z-a", True, 0.05)
    assert choice_reason(other, view, left="z-a:m5.xlarge").startswith(
        "m7g.xlarge Spot in z-a: another family: m5.xlarge in z-a flagged by 3 interruption reports")
    od = PlanNode("n3", "m5.large", "on-demand", "z-a", True, 0.10)
    assert choice_reason(od, view, left="z-a:m5.xlarge").startswith("m5.large On-Demand in z-a: On-Demand fallback: ")
    # no flag anywhere near: price and risk
    calm = PoolView({"z-b:m5.xlarge": 0.04}, {}, {}, 30, NOW)
    assert choice_reason(chosen, calm) == "m5.xlarge Spot in z-b: cheapest allowed pool at $0.0900/h, 4.0%/month " \
                                          "interruption risk"


def test_explain_choices_rewrites_add_node_reasons_and_records_the_pool_replaced() -> None:
    plan, _ = plan_with_risk_moves(snapshot_from_dict(DOC), tiny_catalog(), _policy(), {"s1": "flagged"})
    view = PoolView({}, {FLAG.key: FLAG}, {}, 30, NOW)
    explained = explain_choices(plan, view)
    adds = [d for d in explained.decisions if d.action == "add_node"]
    # the cheapest unflagged pool is the smaller m5.large in the same zone (the flag is per pool)
    assert [d.reason.split("; ")[0] for d in adds] == [
        "spothive-new-0001: m5.large Spot in z-a: another size: m5.xlarge in z-a flagged by 3 interruption "
        "reports in the last 30 min (last at 10:16 UTC)"]
    assert adds[0].evidence["replaces_pool"] == "z-a:m5.xlarge" and adds[0].evidence["pool"] == "z-a:m5.large"


def test_a_pdb_paces_risk_moves_and_one_that_allows_no_eviction_keeps_its_nodes() -> None:
    # Given one pod of "a" on each flagged node and a PDB letting one pod of "a" be evicted at a time
    doc = {**DOC, "pdbs": [{"namespace": "app", "name": "a", "selector_owner": "a", "max_unavailable": 1}]}
    snap = snapshot_from_dict(doc)
    plan, stays = plan_with_risk_moves(snap, tiny_catalog(), _policy(), {"s1": "f", "s2": "f"})
    # Then both leave in this plan (the drains' evictions wait for the PDB), and the plan is valid
    assert stays == {}
    assert sorted(a["node"] for a in plan.actions if a["type"] == "remove_node") == ["s1", "s2"]
    assert validate_plan(snap, tiny_catalog(), plan.to_dict(), _policy()) == []
    # Given instead a PDB that allows no disruption
    closed = snapshot_from_dict({**DOC, "pdbs": [{**doc["pdbs"][0], "max_unavailable": 0}]})
    plan, stays = plan_with_risk_moves(closed, tiny_catalog(), _policy(), {"s1": "f", "s2": "f"})
    # Then both stay with the reason, and nothing of "a" moves
    assert stays == {"s1": PDB_DEFERRED, "s2": PDB_DEFERRED}
    assert [a for a in plan.actions if a["type"] == "remove_node" and a["node"] in ("s1", "s2")] == []
    assert validate_plan(closed, tiny_catalog(), plan.to_dict(), _policy()) == []
