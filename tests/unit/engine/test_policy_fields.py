"""Each packing-policy field changes a plan the way docs/formats.md says (one Given/When/Then per field)."""

from __future__ import annotations

from spothive.domain.packing.model import Plan, policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog


def _plan(doc: dict, policy: dict) -> Plan:
    snap, pol = snapshot_from_dict(doc), policy_from_dict(policy)
    plan = plan_consolidation(snap, tiny_catalog(), pol)
    assert validate_plan(snap, tiny_catalog(), plan.to_dict(), pol) == []
    return plan


def _removed(plan: Plan) -> set[str]:
    return {str(a["node"]) for a in plan.actions if a["type"] == "remove_node"}


# Two m5.xlarge nodes: "busy" at about 45 % CPU, "idle" at about 15 %
HALF = {"nodes": [node("busy"), node("idle")],
        "pods": [pod("b1", "busy", cpu=900), pod("b2", "busy", cpu=900), pod("i1", "idle", cpu=600)]}


def _kept_by_policy(plan: Plan) -> int:
    return int(next(d.evidence["kept_by_policy"] for d in plan.decisions if d.action == "plan"))


def test_aggressiveness_is_the_utilisation_below_which_a_node_may_go() -> None:
    # Given nodes at ~45 % and ~15 %
    # When packing conservatively (20) then aggressively (80)
    conservative = _plan(HALF, {"aggressiveness": 20, "spot_allowed": False})
    aggressive = _plan(HALF, {"aggressiveness": 80, "spot_allowed": False})
    # Then at 20 the busy node is kept with its pods and only the idle one may go; at 80 neither is kept
    assert _kept_by_policy(conservative) == 1 and _kept_by_policy(aggressive) == 0
    assert conservative.placements["app/b1"] == conservative.placements["app/b2"] == "busy"
    assert _removed(conservative) <= {"idle"}
    assert aggressive.cost_after_per_hour <= conservative.cost_after_per_hour


def test_spot_allowed_false_adds_on_demand_only() -> None:
    spot = _plan(HALF, {"aggressiveness": 80})
    no_spot = _plan(HALF, {"aggressiveness": 80, "spot_allowed": False})
    assert any(n.new and n.capacity_type == "spot" for n in spot.nodes)
    assert all(n.capacity_type == "on-demand" for n in no_spot.nodes)


def test_spot_fallback_off_never_adds_on_demand() -> None:
    # Given every Spot pool over the risk limit
    risky = {"m5.large": 0.9, "m5.xlarge": 0.9, "m5.2xlarge": 0.9}
    doc = {"nodes": [], "pods": [pod("x", None)]}
    with_fallback = _plan(doc, {"aggressiveness": 80, "pool_risk": risky})
    without = _plan(doc, {"aggressiveness": 80, "pool_risk": risky, "spot_fallback_on_demand": False})
    # Then with fallback the pod gets On-Demand capacity; without, it stays pending
    assert [n.capacity_type for n in with_fallback.nodes] == ["on-demand"]
    assert without.nodes == () and without.unplaced == ("app/x",)


def test_excluded_namespaces_never_move_and_kube_system_always_stays() -> None:
    doc = {"nodes": [node("a"), node("b"), node("c")],
           "pods": [pod("s", "a", ns="shop"), pod("k", "b", ns="kube-system"), pod("w", "c")]}
    plan = _plan(doc, {"aggressiveness": 80, "spot_allowed": False, "excluded_namespaces": ["shop"]})
    assert plan.placements["shop/s"] == "a" and plan.placements["kube-system/k"] == "b"
    assert _removed(plan) <= {"c"}


def test_template_families_limit_new_nodes() -> None:
    doc = {"nodes": [node("a", "m5.2xlarge")], "pods": [pod(f"p{i}", "a", cpu=900) for i in range(3)]}
    free = _plan(doc, {"aggressiveness": 80, "spot_allowed": False})
    m7g_only = _plan(doc, {"aggressiveness": 80, "spot_allowed": False,
                           "node_template": {"families": ["m7g"], "architectures": ["amd64", "arm64"]}})
    # Then new nodes come from the allowed families only (amd64 pods cannot use m7g: nothing moves)
    assert {n.instance_type for n in free.nodes if n.new} <= {"m5.large", "m5.xlarge"}
    assert all(not n.new for n in m7g_only.nodes)


def test_template_architectures_limit_new_nodes() -> None:
    # Given two pending arm64 pods on an amd64 cluster; a template with arm64, then one without
    doc = {"nodes": [node("a", "m5.2xlarge")],
           "pods": [pod(f"p{i}", None, cpu=900, node_selector={"kubernetes.io/arch": "arm64"}) for i in range(2)]}
    arm = _plan(doc, {"aggressiveness": 80, "spot_allowed": False, "node_template": {"architectures": ["amd64", "arm64"]}})
    amd_only = _plan(doc, {"aggressiveness": 80, "spot_allowed": False,
                           "node_template": {"architectures": ["amd64"]}})
    assert any(n.instance_type == "m7g.xlarge" for n in arm.nodes)
    assert not any(n.instance_type == "m7g.xlarge" for n in amd_only.nodes) and len(amd_only.unplaced) == 2


def test_max_interruption_probability_keeps_risky_pools_out() -> None:
    doc = {"nodes": [], "pods": [pod("x", None)]}
    lenient = _plan(doc, {"aggressiveness": 80, "pool_risk": {"m5.large": 0.3}, "max_interruption_probability": 0.4})
    strict = _plan(doc, {"aggressiveness": 80, "pool_risk": {"m5.large": 0.3, "m5.xlarge": 0.3, "m5.2xlarge": 0.3},
                         "max_interruption_probability": 0.2})
    assert lenient.nodes[0].capacity_type == "spot"
    assert strict.nodes[0].capacity_type == "on-demand"


def test_flagged_pools_are_never_offered() -> None:
    doc = {"nodes": [], "pods": [pod("x", None)]}
    plan = _plan(doc, {"aggressiveness": 80, "flagged_pools": ["RISK:z-a:m5.large"]})
    assert (plan.nodes[0].instance_type, plan.nodes[0].zone) != ("m5.large", "z-a")
