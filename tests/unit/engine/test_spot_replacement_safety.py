"""Spot replacements of kept On-Demand nodes obey the same safety rules as consolidation, and every
opportunity left out says why (planned = approved + blocked + skipped)."""

from __future__ import annotations

from typing import Any

from spothive.domain.catalog import AdvisorEntry
from spothive.domain.packing.model import PackingPolicy, snapshot_from_dict
from spothive.domain.plan_validation import validate_plan
from spothive.domain.projection import plan_outcome
from spothive.domain.spend import price_nodes, spot_opportunities
from spothive.domain.spot_replacement import kept_node_replacements
from spothive.services.cluster_plan import decide_plan
from tests.unit.engine.helpers import tiny_catalog

PRICES = {"on-demand": 0.192, "spot": 0.07}


def price(itype: str, capacity: str, zone: str) -> float | None:
    return PRICES[capacity]


def cluster(*pods: dict[str, Any], nodes: int = 2, pdbs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"nodes": [{"name": f"ip-{i}", "instance_type": "m5.xlarge", "capacity_type": "on-demand",
                       "zone": "us-east-1a", "labels": {"spothive.io/instance-id": f"i-{i}"}} for i in range(nodes)],
            "pods": [{"cpu_m": 100, "memory_mib": 128, **p} for p in pods], "pdbs": pdbs or []}


def kept_plan(placements: dict[str, str]) -> dict[str, Any]:
    return {"nodes": [], "placements": placements, "unplaced": [], "actions": []}


def test_a_node_running_an_excluded_namespace_pod_is_never_offered_spot() -> None:
    # Given ip-0 runs a pod of the excluded "billing" namespace, ip-1 only a web pod
    snap = cluster({"namespace": "billing", "name": "ledger", "node": "ip-0"},
                   {"namespace": "shop", "name": "web", "node": "ip-1"})
    policy = PackingPolicy(excluded_namespaces=frozenset({"billing"}))
    # When the kept nodes are offered Spot replacements
    moves, skipped = kept_node_replacements(snap, kept_plan({}), policy, price)
    # Then only ip-1 is replaced; ip-0 is skipped, naming the pod that must not move
    assert [m.node for m in moves] == ["ip-1"]
    assert [(s["node_name"], s["evidence"]["pinned_pods"]) for s in skipped] == [("ip-0", ["billing/ledger"])]
    assert skipped[0]["reason"].startswith("skipped: ip-0 runs pods that never move")
    assert skipped[0]["saving_per_hour"] == 0.122


def test_kube_system_deployments_pin_their_node_but_daemonsets_do_not() -> None:
    # Given coredns (a Deployment) on ip-0 and the aws-node DaemonSet on both nodes
    snap = cluster({"namespace": "kube-system", "name": "coredns-1", "node": "ip-0", "owner": "ReplicaSet/coredns"},
                   {"namespace": "kube-system", "name": "aws-node-a", "node": "ip-0", "owner": "DaemonSet/aws-node"},
                   {"namespace": "kube-system", "name": "aws-node-b", "node": "ip-1", "owner": "DaemonSet/aws-node"})
    # When replacements are offered under the default policy
    moves, skipped = kept_node_replacements(snap, kept_plan({}), PackingPolicy(), price)
    # Then ip-1 (DaemonSet pods only) is replaced and ip-0 is skipped for coredns
    assert [m.node for m in moves] == ["ip-1"]
    assert [(s["node_name"], s["evidence"]["pinned_pods"]) for s in skipped] == [("ip-0", ["kube-system/coredns-1"])]


def test_do_not_disrupt_and_system_critical_pods_pin_their_node() -> None:
    snap = cluster({"namespace": "batch", "name": "job", "node": "ip-0", "do_not_disrupt": True},
                   {"namespace": "ops", "name": "agent", "node": "ip-1", "priority": 2_000_000_000}, nodes=3)
    moves, skipped = kept_node_replacements(snap, kept_plan({}), PackingPolicy(), price)
    assert [m.node for m in moves] == ["ip-2"]
    assert [s["node_name"] for s in skipped] == ["ip-0", "ip-1"]


def test_a_pdb_paces_the_replacement_and_one_allowing_no_eviction_defers_it() -> None:
    # Given web (PDB max_unavailable 1) on ip-0 and ip-1; the plan moves web-0 off ip-0 onto a new node
    pdb = {"namespace": "shop", "name": "web-pdb", "selector_owner": "web", "max_unavailable": 1}
    pods = ({"namespace": "shop", "name": "web-0", "node": "ip-0", "owner": "web"},
            {"namespace": "shop", "name": "web-1", "node": "ip-1", "owner": "web"})
    plan = kept_plan({"shop/web-0": "ip-3", "shop/web-1": "ip-1"})
    plan["nodes"] = [{"name": "ip-3", "instance_type": "m5.xlarge", "capacity_type": "spot", "zone": "us-east-1a",
                      "new": True}]
    plan["actions"] = [{"type": "remove_node", "node": "ip-0"}]
    # When replacements are offered
    moves, skipped = kept_node_replacements(cluster(*pods, nodes=3, pdbs=[pdb]), plan, PackingPolicy(), price)
    # Then both kept nodes are replaced: the drains' evictions wait for the PDB, one replica at a time
    assert [m.node for m in moves] == ["ip-1", "ip-2"] and skipped == []
    # Given instead a PDB allowing no disruption
    closed = cluster(*pods, nodes=3, pdbs=[{**pdb, "max_unavailable": 0}])
    moves, skipped = kept_node_replacements(closed, plan, PackingPolicy(), price)
    # Then ip-1 (a web replica that cannot be evicted) stays On-Demand, with the PDB named; ip-2 is replaced
    assert [m.node for m in moves] == ["ip-2"]
    assert [(s["node_name"], s["evidence"]["pdb"]) for s in skipped] == [("ip-1", "shop/web-pdb")]
    assert skipped[0]["reason"] == "skipped: PodDisruptionBudget shop/web-pdb allows none of its pods to be evicted"


def test_a_kept_node_receiving_pods_of_the_plan_is_not_replaced() -> None:
    # Given the plan removes ip-0 and moves its web pod onto kept ip-1
    snap = cluster({"namespace": "shop", "name": "web", "node": "ip-0"},
                   {"namespace": "shop", "name": "api", "node": "ip-1"})
    plan = kept_plan({"shop/web": "ip-1", "shop/api": "ip-1"})
    plan["actions"] = [{"type": "remove_node", "node": "ip-0"}]
    # When replacements are offered
    moves, skipped = kept_node_replacements(snap, plan, PackingPolicy(), price)
    # Then ip-1 is not replaced: its new pods would move twice
    assert moves == []
    assert [(s["node_name"], s["evidence"]["pods_received"]) for s in skipped] == [("ip-1", ["shop/web"])]
    assert "would move them twice" in skipped[0]["reason"]


def test_a_template_without_spot_and_a_risky_advisor_bucket_skip_with_a_reason() -> None:
    snap = cluster({"namespace": "shop", "name": "web", "node": "ip-0"}, nodes=1)
    _, no_spot = kept_node_replacements(snap, kept_plan({}), PackingPolicy(spot_allowed=False), price)
    assert no_spot[0]["evidence"]["spot_allowed"] is False
    _, risky = kept_node_replacements(snap, kept_plan({}), PackingPolicy(), price, advisor_bucket=lambda t: 3)
    assert risky[0]["evidence"] == {"instance_type": "m5.xlarge", "zone": "us-east-1a", "saving_per_hour": 0.122,
                                    "advisor_bucket": 3, "max_safe_bucket": 2}


def test_skipped_replacements_are_counted_as_skipped_opportunities() -> None:
    # Given a planner detect with one replacement and one skipped for its advisor bucket
    skipped = {"node": "i-1", "instance_type": "m5.xlarge", "zone": "us-east-1a", "saving_per_hour": 0.122,
               "reason": "skipped: risky", "evidence": {"advisor_bucket": 3}}
    detected = {"plan": None, "spot": [{"node": "i-0", "instance_type": "m5.xlarge", "zone": "us-east-1a",
                                        "saving_per_hour": 0.122, "reason": "cheaper"}],
                "spot_skipped": [skipped]}
    # When it is decided
    decision = decide_plan(detected, {})
    outcome = plan_outcome(1.0, decision)
    # Then the skipped one is listed with its reason and evidence, and planned = approved + skipped
    assert [(a["target"], a["reason"], a["evidence"]) for a in decision["skipped"]] == [
        ("i-1", "skipped: risky", {"advisor_bucket": 3})]
    assert outcome.counts() == {"planned": 2, "approved": 1, "blocked": 0, "skipped": 1}
    assert outcome.approved_saving_per_hour == 0.122


def test_the_spot_only_projection_skips_a_risky_advisor_bucket_with_a_reason() -> None:
    # Given an On-Demand m5.large whose Spot Advisor bucket is 3 (above the safe maximum 2)
    catalog = tiny_catalog().with_prices(advisor={"m5.large": AdvisorEntry(3, 70)})
    nodes = price_nodes(catalog, [("i-0", "m5.large", "on-demand", "z-a")])
    # When the Spot-only opportunities are found
    moves, skipped = spot_opportunities(catalog, nodes)
    # Then nothing moves and the node is skipped, saying why
    assert moves == []
    assert [(s["node"], s["evidence"]["advisor_bucket"], s["evidence"]["max_safe_bucket"]) for s in skipped] == [
        ("i-0", 3, 2)]
    assert "Spot Advisor bucket 3" in skipped[0]["reason"]


def test_the_validator_reports_a_replacement_that_moves_a_pinned_pod() -> None:
    # Given a plan that keeps ip-0 (running an excluded pod) but replaces it with Spot
    doc = cluster({"namespace": "billing", "name": "ledger", "node": "ip-0"}, nodes=1)
    snap = snapshot_from_dict(doc)
    plan = {"nodes": [{"name": "ip-0", "instance_type": "m5.xlarge", "capacity_type": "on-demand",
                       "zone": "us-east-1a", "new": False}],
            "placements": {"billing/ledger": "ip-0"}, "unplaced": [],
            "actions": [{"type": "replace_with_spot", "node": "ip-0"}]}
    policy = PackingPolicy(excluded_namespaces=frozenset({"billing"}))
    # When it is validated
    kinds = [(v.kind, v.subject) for v in validate_plan(snap, tiny_catalog(), plan, policy)]
    # Then the pinned pod's move is a violation
    assert kinds == [("pinned", "billing/ledger")]


def test_the_validator_reports_pods_moved_onto_a_replaced_node() -> None:
    # Given a plan that moves web from ip-1 onto ip-0 and also replaces ip-0 with Spot
    snap = snapshot_from_dict(cluster({"namespace": "shop", "name": "web", "node": "ip-1"}))
    plan = {"nodes": [{"name": "ip-0", "instance_type": "m5.xlarge", "capacity_type": "on-demand",
                       "zone": "us-east-1a", "new": False}],
            "placements": {"shop/web": "ip-0"}, "unplaced": [],
            "actions": [{"type": "remove_node", "node": "ip-1"}, {"type": "replace_with_spot", "node": "ip-0"}]}
    # When it is validated, Then the double move is reported
    assert [(v.kind, v.subject) for v in validate_plan(snap, tiny_catalog(), plan)] == [("replaced", "shop/web")]
