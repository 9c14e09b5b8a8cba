"""Consolidation planner on hand-made snapshots: exact costs and every hard constraint."""

from __future__ import annotations

import pytest

from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.packing.problem import CatalogError
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog

OD_ONLY = {"aggressiveness": 80, "spot_allowed": False}


def _plan(doc: dict, policy: dict):
    snap = snapshot_from_dict(doc)
    pol = policy_from_dict(policy)
    plan = plan_consolidation(snap, tiny_catalog(), pol)
    assert validate_plan(snap, tiny_catalog(), plan.to_dict(), pol) == []
    return plan


def test_two_half_empty_nodes_become_one() -> None:
    # Given two on-demand m5.xlarge each running one small pod
    doc = {"nodes": [node("a"), node("b")], "pods": [pod("p1", "a"), pod("p2", "b")]}
    # When planning without spot
    plan = _plan(doc, OD_ONLY)
    # Then one m5.large-priced node holds both pods ($0.10/h is optimal without spot)
    assert plan.cost_before_per_hour == pytest.approx(0.40)
    assert plan.cost_after_per_hour == pytest.approx(0.10)
    assert len(plan.nodes) == 1
    assert set(plan.placements.values()) == {plan.nodes[0].name}
    assert plan.lower_bound_per_hour <= plan.cost_after_per_hour + 1e-9


def test_spot_replacement_is_cheapest_pool() -> None:
    doc = {"nodes": [node("a"), node("b")], "pods": [pod("p1", "a"), pod("p2", "b")]}
    plan = _plan(doc, {"aggressiveness": 80})
    assert plan.cost_after_per_hour == pytest.approx(0.04)
    assert [(n.instance_type, n.capacity_type, n.zone, n.new) for n in plan.nodes] == [
        ("m5.large", "spot", "z-a", True)
    ]
    kinds = [a["type"] for a in plan.actions]
    assert kinds.index("add_node") < kinds.index("drain_node") < kinds.index("remove_node")


def test_kube_system_and_do_not_disrupt_pin_their_nodes() -> None:
    doc = {
        "nodes": [node("a"), node("b"), node("c")],
        "pods": [pod("dns", "a", ns="kube-system"), pod("db", "b", do_not_disrupt=True), pod("web", "c")],
    }
    plan = _plan(doc, {"aggressiveness": 80})
    assert plan.placements["kube-system/dns"] == "a"
    assert plan.placements["app/db"] == "b"
    assert plan.placements["app/web"] in {"a", "b"}
    assert plan.cost_after_per_hour == pytest.approx(0.40)


def test_excluded_namespace_never_moves() -> None:
    doc = {"nodes": [node("a"), node("b")], "pods": [pod("m", "a", ns="monitoring"), pod("w", "b")]}
    plan = _plan(doc, {"aggressiveness": 80, "excluded_namespaces": ["monitoring"], "spot_allowed": False})
    assert plan.placements["monitoring/m"] == "a"
    assert plan.cost_after_per_hour == pytest.approx(0.20)


def test_a_pdb_paces_evictions_and_does_not_cap_the_plan() -> None:
    # Given three nodes each with one replica of "web" and a PDB allowing one eviction at a time
    doc = {
        "nodes": [node("a"), node("b"), node("c")],
        "pods": [pod(f"w{i}", n, owner="web") for i, n in enumerate("abc")],
        "pdbs": [{"namespace": "app", "name": "web", "selector_owner": "web", "max_unavailable": 1}],
    }
    plan = _plan(doc, {**OD_ONLY, "max_workload_share": 1.0})
    # Then the plan packs all three on one m5.large-priced node ($0.10/h, optimal without Spot): the
    # Eviction API lets one replica go at a time as the drains run
    assert len(set(plan.placements.values())) == 1
    assert plan.cost_after_per_hour == pytest.approx(0.10)
    # And with a PDB that allows no disruption, no replica moves and every node stays
    closed = {**doc, "pdbs": [{**doc["pdbs"][0], "max_unavailable": 0}]}
    pinned = _plan(closed, {**OD_ONLY, "max_workload_share": 1.0})
    assert pinned.placements == {"app/w0": "a", "app/w1": "b", "app/w2": "c"}
    assert pinned.cost_after_per_hour == pytest.approx(0.60)


def test_selectors_and_architecture_are_respected() -> None:
    doc = {
        "nodes": [node("a"), node("b", zone="z-b")],
        "pods": [
            pod("zonal", "a", node_selector={"topology.kubernetes.io/zone": "z-a"}),
            pod("od", "b", node_selector={"karpenter.sh/capacity-type": "on-demand"}),
        ],
    }
    plan = _plan(doc, {"aggressiveness": 80, "node_template": {"architectures": ["amd64", "arm64"]}})
    by_name = {n.name: n for n in plan.nodes}
    assert by_name[plan.placements["app/zonal"]].zone == "z-a"
    assert by_name[plan.placements["app/od"]].capacity_type == "on-demand"
    # pods running on amd64 today never land on arm64 (images may be single-arch)
    assert all(n.instance_type != "m7g.xlarge" for n in plan.nodes)


def test_pending_pod_is_placed_or_listed_unplaced() -> None:
    doc = {
        "nodes": [node("a")],
        "pods": [pod("p", "a"), pod("new", None, cpu=300), pod("huge", None, cpu=99000)],
    }
    plan = _plan(doc, OD_ONLY)
    assert plan.placements["app/new"]
    assert plan.unplaced == ("app/huge",)


def test_unknown_instance_type_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match=r"nodes\[0\]\.instance_type"):
        plan_consolidation(
            snapshot_from_dict({"nodes": [node("a", "zz9.huge")], "pods": []}),
            tiny_catalog(),
            policy_from_dict({}),
        )


def test_validator_reports_broken_constraints() -> None:
    snap = snapshot_from_dict(
        {
            "nodes": [node("a"), node("b")],
            "pods": [pod("p", "a", do_not_disrupt=True), pod("q", "b", cpu=3600), pod("r", "b", cpu=100)],
            "pdbs": [],
        }
    )
    bad = {
        "nodes": [
            {
                "name": "b",
                "instance_type": "m5.xlarge",
                "capacity_type": "on-demand",
                "zone": "z-a",
                "new": False,
            }
        ],
        "placements": {"app/p": "b", "app/q": "b"},
        "unplaced": [],
    }
    kinds = sorted(v.kind for v in validate_plan(snap, tiny_catalog(), bad))
    assert kinds == ["capacity", "coverage", "pinned"]
