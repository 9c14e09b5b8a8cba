"""Waves, budgets, launch ladders and fingerprints of the executor (pure domain)."""

from __future__ import annotations

from typing import Any

from spothive.domain.execution import (
    DisruptionBudget,
    Launch,
    Retirement,
    activity_line,
    launch_ladder,
    plan_waves,
    snapshot_fingerprint,
    stale_reason,
)
from spothive.domain.packing.model import PackingPolicy
from spothive.domain.spot_replacement import kept_node_replacements


def snapshot(n: int) -> dict[str, Any]:
    return {"nodes": [{"name": f"ip-{i}", "instance_type": "m5.xlarge", "capacity_type": "on-demand",
                       "zone": "us-east-1a", "labels": {"spothive.io/instance-id": f"i-{i}"}} for i in range(n)],
            "pods": [{"namespace": "shop", "name": f"web-{i}", "node": f"ip-{i}", "cpu_m": 100, "memory_mib": 128}
                     for i in range(n)]}


def removal(i: int, price: float = 0.192) -> dict[str, Any]:
    return {"type": "remove_node", "target": f"ip-{i}", "reason": f"ip-{i} idle",
            "details": {"node": f"ip-{i}", "price_per_hour": price}, "evidence": {}}


def test_the_budget_caps_nodes_per_wave_by_count_and_share_but_never_below_one() -> None:
    assert DisruptionBudget(max_nodes=3, max_percent=20).per_wave(20) == 3
    assert DisruptionBudget(max_nodes=10, max_percent=20).per_wave(20) == 4
    assert DisruptionBudget(max_nodes=10, max_percent=20).per_wave(3) == 1


def test_removals_split_into_budgeted_waves_with_all_new_capacity_in_the_first() -> None:
    # Given 7 removals, one added node and a budget of 3 nodes at once
    add = {"type": "add_node", "target": "spothive-new-0001", "reason": "cheapest fit",
           "details": {"instance_type": "c5.xlarge", "capacity_type": "spot", "zone": "us-east-1b",
                       "price_per_hour": 0.07}}
    approved = [add, *[removal(i) for i in range(7)], {"type": "drain_node", "target": "ip-0"}]
    plan = plan_waves("job-1", approved, snapshot(10), DisruptionBudget(max_nodes=3, max_percent=50))
    # Then three waves of 3, 3 and 1 retirements; the new node is pre-spun in wave 0 only
    assert [len(w.retire) for w in plan.waves] == [3, 3, 1]
    assert [len(w.launches) for w in plan.waves] == [1, 0, 0]
    assert plan.waves[0].launches[0].slot == "job-1.0.0"
    assert plan.waves[0].retire[0].instance_id == "i-0"
    assert plan.saving_per_hour == round(7 * 0.192 - 0.07, 6)


def test_a_spot_replacement_brings_its_own_node_in_its_wave_and_unknown_nodes_are_skipped() -> None:
    approved = [{"type": "replace_with_spot", "target": "i-1", "reason": "Spot is cheaper",
                 "evidence": {"instance_type": "m5.xlarge", "zone": "us-east-1a", "saving_per_hour": 0.12}},
                {"type": "replace_with_spot", "target": "i-404", "reason": "gone", "evidence": {}},
                {"type": "resize", "target": "shop/web/app", "reason": "over-provisioned"}]
    plan = plan_waves("job-2", approved, snapshot(3), DisruptionBudget())
    (wave,) = plan.waves
    assert [r.node for r in wave.retire] == ["ip-1"]
    assert [(x.instance_type, x.capacity_type, x.zone, x.planned_name) for x in wave.launches] == [
        ("m5.xlarge", "spot", "us-east-1a", "ip-1")]
    assert {s.target: s.reason for s in plan.skipped} == {
        "i-404": "i-404 is not in the latest snapshot with an instance id",
        "shop/web/app": "right-sizing is applied by the workload owner"}
    assert plan.saving_per_hour == 0.12


def test_the_ladder_tries_the_pool_then_other_zones_then_families_then_on_demand() -> None:
    ladder = launch_ladder(Launch("s", "c5.xlarge", "spot", "us-east-1b", 0.07), ["us-east-1a", "us-east-1b"],
                           ["c6i.xlarge", "c5.xlarge"], on_demand_fallback=True)
    assert [(a.instance_types, a.zones, a.capacity_type) for a in ladder] == [
        (("c5.xlarge",), ("us-east-1b",), "spot"), (("c5.xlarge",), ("us-east-1a",), "spot"),
        (("c6i.xlarge",), ("us-east-1b", "us-east-1a"), "spot"),
        (("c5.xlarge",), ("us-east-1b", "us-east-1a"), "on-demand")]
    without = launch_ladder(Launch("s", "c5.xlarge", "spot", "us-east-1b", 0.07), ["us-east-1b"], [],
                            on_demand_fallback=False)
    assert [a.capacity_type for a in without] == ["spot"]


def test_the_fingerprint_moves_with_placements_and_a_wave_goes_stale_when_its_node_changes() -> None:
    base = snapshot(2)
    moved = snapshot(2)
    moved["pods"][0]["node"] = "ip-1"
    assert snapshot_fingerprint(base) == snapshot_fingerprint(snapshot(2))
    assert snapshot_fingerprint(base) != snapshot_fingerprint(moved)
    plan = plan_waves("job-3", [removal(0)], base, DisruptionBudget())
    assert stale_reason(plan.waves[0], base) is None
    assert stale_reason(plan.waves[0], snapshot(0)) == "ip-0 is no longer in the cluster"


def test_kept_on_demand_nodes_move_to_spot_in_their_zone_unless_pinned() -> None:
    snap = snapshot(3)
    snap["pods"].append({"namespace": "batch", "name": "job", "node": "ip-2", "do_not_disrupt": True})
    prices = {"on-demand": 0.192, "spot": 0.07}
    plan = {"placements": {}, "actions": [{"type": "remove_node", "node": "ip-0"}]}
    moves, _ = kept_node_replacements(snap, plan, PackingPolicy(), lambda t, c, z: prices[c])
    assert [(m.node, m.instance_id, m.zone, m.saving_per_hour) for m in moves] == [
        ("ip-1", "i-1", "us-east-1a", 0.122)]


def test_the_activity_line_names_both_nodes_and_the_monthly_saving() -> None:
    old = Retirement("ip-10-0-1-5", "i-1", "m5.xlarge", "on-demand", "us-east-1a", 0.192)
    line = activity_line(old, {"instance_type": "c5.xlarge", "capacity_type": "spot", "zone": "us-east-1b"}, 0.098)
    assert line == ("Replaced ip-10-0-1-5 (m5.xlarge On-Demand) with c5.xlarge Spot in us-east-1b — "
                    "saves $71.54/month")
