"""DaemonSet pods: per-node overhead that never pins a node, on hand-made snapshots."""

from __future__ import annotations

from typing import Any

import pytest

from spothive.domain.packing.daemonsets import daemonset_overhead, split_daemonsets
from spothive.domain.packing.model import snapshot_from_dict
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog
from tests.unit.engine.test_planner import OD_ONLY, _plan

AWS_NODE = {"owner_kind": "DaemonSet", "owner": "aws-node"}


def _cluster(ds: dict[str, Any] | None, extra_pods: list[dict] | None = None) -> dict:
    """Three m5.large (1930m, 6903 MiB, 29 pods, $0.10/h) each running aws-node and one 500m app pod."""
    names = ["a", "b", "c"]
    daemon_pods = [pod(f"aws-node-{n}", n, cpu=100, mem=128, ns="kube-system", **(ds or {})) for n in names]
    work = [pod(f"w-{n}", n, cpu=500, mem=1024) for n in names]
    return {
        "nodes": [node(n, "m5.large") for n in names],
        "pods": daemon_pods + work + (extra_pods or []),
    }


@pytest.mark.parametrize("marker", [AWS_NODE, {"owner": "DaemonSet/aws-node"}])
def test_daemonset_pods_do_not_pin_their_nodes(marker: dict[str, Any]) -> None:
    # Given three m5.large, each with an aws-node DaemonSet pod in kube-system and 500m of workload
    doc = _cluster(marker)
    # When planning on-demand only
    plan = _plan(doc, OD_ONLY)
    # Then one node holds the 1500m workload plus 100m of overhead; the other two are removed
    assert plan.cost_before_per_hour == pytest.approx(0.30)
    assert plan.cost_after_per_hour == pytest.approx(0.10)
    assert len(plan.nodes) == 1 and not plan.nodes[0].new
    kept = plan.nodes[0].name
    assert dict(plan.placements) == {
        f"kube-system/aws-node-{kept}": kept,
        "app/w-a": kept,
        "app/w-b": kept,
        "app/w-c": kept,
    }
    assert plan.unplaced == ()
    removed = sorted(a["node"] for a in plan.actions if a["type"] == "remove_node")
    assert removed == sorted({"a", "b", "c"} - {kept})
    drained = {a["node"]: a["pods"] for a in plan.actions if a["type"] == "drain_node"}
    assert drained == {n: [f"app/w-{n}"] for n in removed}
    assert plan.lower_bound_per_hour <= plan.cost_after_per_hour + 1e-9


def test_ordinary_kube_system_pods_still_pin_every_node() -> None:
    # Given the same cluster with the aws-node pods not marked as DaemonSet pods
    plan = _plan(_cluster(None), OD_ONLY)
    # Then every node stays, as before
    assert plan.cost_after_per_hour == pytest.approx(0.30)
    assert sorted(n.name for n in plan.nodes) == ["a", "b", "c"]
    assert [a for a in plan.actions if a["type"] == "remove_node"] == []


def test_non_daemonset_kube_system_pod_keeps_its_node() -> None:
    # Given the DaemonSet cluster with a coredns Deployment pod in kube-system on b
    coredns = pod("coredns-5d8", "b", cpu=100, mem=70, ns="kube-system", owner="coredns")
    plan = _plan(_cluster(AWS_NODE, [coredns]), OD_ONLY)
    # Then b stays and takes the workload of a and c (1500m + 100m coredns + 100m overhead <= 1930m)
    assert [n.name for n in plan.nodes] == ["b"]
    assert plan.placements["app/w-a"] == "b" and plan.placements["app/w-c"] == "b"
    assert plan.placements["kube-system/coredns-5d8"] == "b"
    assert plan.placements["kube-system/aws-node-b"] == "b"
    assert "kube-system/aws-node-a" not in plan.placements


def _tight(with_daemonset: bool, cpus: tuple[int, ...] = (800, 800)) -> dict:
    """m5.xlarge nodes ($0.20/h) a, b, ... each running one app pod and, optionally, a 400m DaemonSet pod."""
    names = "abcdef"[: len(cpus)]
    ds = [
        pod(f"agent-{n}", n, cpu=400, mem=256, ns="monitoring", owner_kind="DaemonSet", owner="agent")
        for n in names
    ]
    work = [pod(f"w-{n}", n, cpu=c, mem=1024) for n, c in zip(names, cpus, strict=True)]
    return {"nodes": [node(n) for n in names], "pods": (ds if with_daemonset else []) + work}


def test_new_node_too_small_for_workload_plus_overhead_is_never_chosen() -> None:
    # Given one m5.xlarge running a 1600m pod: an m5.large (1930m) fits it alone
    without = _plan(_tight(False, (1600,)), OD_ONLY)
    assert without.cost_after_per_hour == pytest.approx(0.10)
    assert [(n.instance_type, n.new) for n in without.nodes] == [("m5.large", True)]
    # When a 400m DaemonSet (in a non-excluded namespace) runs on every node: 1930m - 400m < 1600m
    plan = _plan(_tight(True, (1600,)), OD_ONLY)
    # Then no m5.large is chosen and the pod stays where it is
    assert plan.cost_after_per_hour == pytest.approx(0.20)
    assert [(n.instance_type, n.new) for n in plan.nodes] == [("m5.xlarge", False)]
    assert plan.placements == {"monitoring/agent-a": "a", "app/w-a": "a"}
    assert plan.actions == ()


def test_two_nodes_with_overhead_share_one_m5_xlarge() -> None:
    # Given two m5.xlarge each running 1600m and a 400m DaemonSet pod: no m5.large can take either pod
    plan = _plan(_tight(True, (1600, 1600)), OD_ONLY)
    # Then both pods share one m5.xlarge (3200m + 400m <= 3920m) and the other node goes
    assert plan.cost_after_per_hour == pytest.approx(0.20)
    assert [n.instance_type for n in plan.nodes] == ["m5.xlarge"]
    assert len({plan.placements["app/w-a"], plan.placements["app/w-b"]}) == 1


def test_overhead_is_the_largest_request_of_each_distinct_daemonset() -> None:
    # Given two aws-node pods of different sizes, a kube-proxy pod by owner convention and an app pod
    snap = snapshot_from_dict(
        {
            "nodes": [node("a"), node("b")],
            "pods": [
                pod("aws-node-x1", "a", cpu=100, mem=128, ns="kube-system", **AWS_NODE),
                pod("aws-node-x2", "b", cpu=120, mem=100, ns="kube-system", **AWS_NODE),
                pod("kube-proxy-q", "a", cpu=100, mem=50, ns="kube-system", owner="DaemonSet/kube-proxy"),
                pod("web", "a"),
            ],
        }
    )
    workload, daemons = split_daemonsets(snap)
    # Then the overhead is (120 + 100, 128 + 50) with one pod slot per DaemonSet
    assert [p.name for p in workload.pods] == ["web"]
    assert daemonset_overhead(daemons) == (220, 178, 0, 2)
    # And a DaemonSet pod without an owner name is named after its pod name less the hash suffix
    bare = snapshot_from_dict({"nodes": [], "pods": [pod("node-exporter-7xk2p", None, owner_kind="DaemonSet")]})
    assert bare.pods[0].daemonset_name == "node-exporter"


def _one_node_plan(itype: str, placements: dict[str, str], new: bool = True) -> dict:
    name = "n1" if new else "a"
    return {
        "nodes": [{"name": name, "instance_type": itype, "capacity_type": "on-demand", "zone": "z-a", "new": new}],
        "placements": {k: (name if v == "*" else v) for k, v in placements.items()},
        "unplaced": [],
    }


def test_validator_checks_overhead_on_new_and_kept_nodes() -> None:
    snap = snapshot_from_dict(_tight(True))
    catalog = tiny_catalog()
    # A new m5.large with both 800m pods: 1600m + 400m overhead > 1930m
    over = validate_plan(snap, catalog, _one_node_plan("m5.large", {"app/w-a": "*", "app/w-b": "*"}))
    assert [(v.kind, v.subject) for v in over] == [("capacity", "n1")]
    # A kept m5.xlarge with both pods and its DaemonSet pod is fine (1600m + 400m <= 3920m)
    ok = _one_node_plan("m5.xlarge", {"app/w-a": "*", "app/w-b": "*", "monitoring/agent-a": "*"}, new=False)
    assert validate_plan(snap, catalog, ok) == []
    # Dropping the kept node's DaemonSet pod, or moving the other node's one onto it, are violations
    ok["placements"].pop("monitoring/agent-a")
    ok["placements"]["monitoring/agent-b"] = "a"
    kinds = sorted((v.kind, v.subject) for v in validate_plan(snap, catalog, ok))
    assert kinds == [("coverage", "monitoring/agent-a"), ("daemonset", "monitoring/agent-b")]


def test_types_that_cannot_hold_the_overhead_are_never_offered() -> None:
    # Given a 2000m DaemonSet: an m5.large (1930m) cannot even run it
    big = {"owner_kind": "DaemonSet", "owner": "big"}
    doc = {
        "nodes": [node("a"), node("b")],
        "pods": [
            pod("big-a", "a", cpu=2000, mem=256, ns="kube-system", **big),
            pod("big-b", "b", cpu=2000, mem=256, ns="kube-system", **big),
            pod("w-a", "a", cpu=200, mem=256),
            pod("w-b", "b", cpu=200, mem=256),
        ],
    }
    plan = _plan(doc, OD_ONLY)
    # Then the workload shares one m5.xlarge (1920m of room) instead of moving to a $0.10 m5.large
    assert plan.cost_after_per_hour == pytest.approx(0.20)
    assert all(not n.new for n in plan.nodes)
    # And the validator rejects a new m5.large outright
    bad = _one_node_plan("m5.large", {"app/w-a": "*", "app/w-b": "*"})
    violations = validate_plan(snapshot_from_dict(doc), tiny_catalog(), bad)
    assert [(v.kind, v.subject) for v in violations] == [("daemonset", "n1")]
