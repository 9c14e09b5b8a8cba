"""Placement safety: accelerators by name, volume zones, required affinity, spread, priority, templates."""

from __future__ import annotations

from collections import Counter

import pytest

from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.catalog import Catalog, InstanceType, parse_catalog_csv
from spothive.domain.packing.model import Plan, policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan
from tests.unit.engine.helpers import node, pod, tiny_catalog

OD_ONLY = {"aggressiveness": 80, "spot_allowed": False}


def accel_catalog() -> Catalog:
    """One type per accelerator vendor; the AMD and Neuron types are the cheaper ones."""

    def build(name: str, gpus: int, price: float, accelerator: str) -> InstanceType:
        return InstanceType.build(
            name, 4, 16000, gpus=gpus, max_pods=58, ondemand_price=price, alloc_cpu_m=4000,
            alloc_memory_mib=16000, accelerator=accelerator,
        )

    types = {
        "g4dn.xlarge": build("g4dn.xlarge", 1, 0.52, "nvidia.com/gpu"),
        "g4ad.xlarge": build("g4ad.xlarge", 1, 0.38, "amd.com/gpu"),
        "inf1.xlarge": build("inf1.xlarge", 1, 0.23, "aws.amazon.com/neuron"),
        "m5.xlarge": build("m5.xlarge", 0, 0.20, ""),
    }
    return Catalog(types=types, zones=("z-a",))


def _plan(doc: dict, policy: dict, catalog: Catalog | None = None, solver: bool = False) -> tuple[Plan, list]:
    catalog = catalog or tiny_catalog()
    snap = snapshot_from_dict(doc)
    pol = policy_from_dict(policy)
    plan = plan_consolidation(snap, catalog, pol, solver=HighsSolver(threads=1) if solver else None)
    return plan, validate_plan(snap, catalog, plan.to_dict(), pol)


def _types(plan: Plan) -> dict[str, str]:
    return {n.name: n.instance_type for n in plan.nodes}


def test_catalog_reads_the_accelerator_vendor_columns() -> None:
    # Given catalog rows for an NVIDIA, an AMD and a Neuron type
    head = "instance_type,arch,os,vcpu,memory_mib,gpu_count,gpu_manufacturer,accelerator_count,"
    head += "accelerator_manufacturer,alloc_nvidia_gpu,alloc_amd_gpu,alloc_neuron,ondemand_usd_per_hour_us_east_1"
    rows = [
        "g4dn.xlarge,amd64,linux,4,16384,1,nvidia,,,1,,,0.526",
        "g4ad.xlarge,amd64,linux,4,16384,1,amd,,,,1,,0.379",
        "inf1.xlarge,amd64,linux,4,8192,,,1,aws,,,1,0.228",
        "m5.large,amd64,linux,2,8192,,,,,,,,0.096",
    ]
    # When parsed
    catalog = parse_catalog_csv("\n".join([head, *rows]) + "\n")
    # Then each type offers its accelerator by resource name
    got = {n: (t.gpus, t.accelerator) for n, t in catalog.types.items()}
    assert got == {
        "g4dn.xlarge": (1, "nvidia.com/gpu"),
        "g4ad.xlarge": (1, "amd.com/gpu"),
        "inf1.xlarge": (1, "aws.amazon.com/neuron"),
        "m5.large": (0, ""),
    }


@pytest.mark.parametrize("solver", [False, True])
@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"gpu": 1}, "g4dn.xlarge"),  # v1: gpu alone means NVIDIA
        ({"gpu": 1, "extended": {"nvidia.com/gpu": 1}}, "g4dn.xlarge"),
        ({"gpu": 1, "extended": {"amd.com/gpu": 1}}, "g4ad.xlarge"),
        ({"extended": {"aws.amazon.com/neuron": 1}}, "inf1.xlarge"),
    ],
)
def test_accelerator_pods_land_on_their_vendor_only(request_: dict, expected: str, solver: bool) -> None:
    # Given a pending pod asking for one accelerator by name, and cheaper types of other vendors
    doc = {"nodes": [], "pods": [pod("x", None, cpu=1000, mem=2000, **request_)]}
    # When planning
    plan, violations = _plan(doc, OD_ONLY, accel_catalog(), solver)
    # Then it lands on the vendor it asked for (NVIDIA pods never on AMD or Neuron), and the plan is valid
    assert _types(plan)[plan.placements["app/x"]] == expected
    assert violations == []


def test_the_validator_rejects_an_nvidia_pod_on_an_amd_node() -> None:
    # Given an NVIDIA pod and a hand-made plan putting it on g4ad
    snap = snapshot_from_dict({"nodes": [], "pods": [pod("x", None, gpu=1)]})
    bad = {
        "nodes": [{"name": "n", "instance_type": "g4ad.xlarge", "capacity_type": "on-demand", "zone": "z-a",
                   "new": True}],
        "placements": {"app/x": "n"},
    }
    # Then the validator names the accelerator
    kinds = [v.kind for v in validate_plan(snap, accel_catalog(), bad, policy_from_dict(OD_ONLY))]
    assert kinds == ["accelerator"]


def _zone_catalog() -> Catalog:
    """z-b is the cheaper zone for every spot pool."""
    base = tiny_catalog()
    spots = {(t, "z-b" if z == "z-a" else "z-a"): p for (t, z), p in base.spot_prices.items()}
    return Catalog(types=base.types, spot_prices=spots, zones=base.zones)


@pytest.mark.parametrize(("extra", "zone"), [({}, "z-b"), ({"volume_zones": ["z-a"], "pvcs": ["data"]}, "z-a")])
def test_a_zonal_volume_pod_stays_in_its_zone(extra: dict, zone: str) -> None:
    # Given a pod on an emptyish node in z-a, Spot cheaper in z-b, with or without an EBS volume in z-a
    doc = {"nodes": [node("a", "m5.2xlarge", zone="z-a")], "pods": [pod("db", "a", **extra)]}
    # When planning
    plan, violations = _plan(doc, {"aggressiveness": 80}, _zone_catalog())
    # Then without a volume it takes the cheaper zone; with one it stays in the volume's zone
    zones = {n.name: n.zone for n in plan.nodes}
    assert zones[plan.placements["app/db"]] == zone
    assert violations == []


def test_the_validator_rejects_a_volume_pod_moved_out_of_its_zone() -> None:
    snap = snapshot_from_dict({"nodes": [node("a", zone="z-a")], "pods": [pod("db", "a", volume_zones=["z-a"])]})
    bad = {
        "nodes": [{"name": "n", "instance_type": "m5.large", "capacity_type": "spot", "zone": "z-b", "new": True}],
        "placements": {"app/db": "n"},
    }
    assert [v.kind for v in validate_plan(snap, tiny_catalog(), bad)] == ["zone"]


@pytest.mark.parametrize(("values", "capacity"), [(["on-demand", "spot"], "spot"), (["on-demand"], "on-demand")])
def test_required_node_affinity_is_honoured(values: list[str], capacity: str) -> None:
    # Given a pod whose required affinity names the capacity types it accepts (Spot is cheaper)
    affinity = [{"matchExpressions": [{"key": "karpenter.sh/capacity-type", "operator": "In", "values": values}]}]
    doc = {"nodes": [node("a", "m5.2xlarge")], "pods": [pod("x", "a", affinity_required=affinity)]}
    # When planning
    plan, violations = _plan(doc, {"aggressiveness": 80}, tiny_catalog())
    # Then it lands on the capacity its affinity allows
    capacities = {n.name: n.capacity_type for n in plan.nodes}
    assert capacities[plan.placements["app/x"]] == capacity
    assert violations == []


def test_notin_affinity_keeps_a_pod_off_a_family() -> None:
    affinity = [{"matchExpressions": [{"key": "node.kubernetes.io/instance-type", "operator": "NotIn",
                                        "values": ["m5.large"]}]}]
    doc = {"nodes": [node("a", "m5.2xlarge")], "pods": [pod("x", "a", cpu=200, mem=256, affinity_required=affinity)]}
    plan, violations = _plan(doc, OD_ONLY)
    assert _types(plan)[plan.placements["app/x"]] != "m5.large"
    assert violations == []


def test_a_zone_spread_deployment_stays_spread() -> None:
    # Given six replicas with a zone spread constraint (max skew 1) on six half-empty nodes over two zones
    spread = [{"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "when_unsatisfiable": "DoNotSchedule",
               "selector": {"matchLabels": {"app": "web"}}}]
    nodes = [node(f"n{i}", zone="z-a" if i % 2 else "z-b") for i in range(6)]
    pods = [pod(f"w{i}", f"n{i}", owner="web", labels={"app": "web"}, topology_spread=spread) for i in range(6)]
    # When planning (consolidation would like one cheap zone)
    plan, violations = _plan({"nodes": nodes, "pods": pods}, {"aggressiveness": 80}, _zone_catalog())
    zone = {n.name: n.zone for n in plan.nodes}
    per_zone = Counter(zone[plan.placements[f"app/w{i}"]] for i in range(6))
    # Then the replicas stay three and three, and fewer nodes run them
    assert sorted(per_zone.values()) == [3, 3]
    assert plan.cost_after_per_hour < plan.cost_before_per_hour
    assert violations == []


def test_a_hostname_spread_deployment_keeps_one_replica_per_node() -> None:
    spread = [{"max_skew": 1, "topology_key": "kubernetes.io/hostname", "when_unsatisfiable": "DoNotSchedule"}]
    nodes = [node(f"n{i}") for i in range(4)]
    pods = [pod(f"w{i}", f"n{i}", cpu=200, mem=256, owner="web", topology_spread=spread) for i in range(4)]
    plan, violations = _plan({"nodes": nodes, "pods": pods}, OD_ONLY)
    hosts = Counter(plan.placements[f"app/w{i}"] for i in range(4))
    assert max(hosts.values()) == 1
    assert violations == []


def test_by_default_no_node_or_spot_pool_holds_more_than_half_of_a_workload() -> None:
    # Given 13 replicas of one Deployment spread over 13 mostly empty nodes
    nodes = [node(f"n{i}", "m5.2xlarge", zone="z-a" if i % 2 else "z-b") for i in range(13)]
    pods = [pod(f"w{i}", f"n{i}", cpu=300, mem=512, owner="checkout") for i in range(13)]
    # When planning with Spot allowed (one cheap pool could take them all)
    plan, violations = _plan({"nodes": nodes, "pods": pods}, {"aggressiveness": 80})
    by_node = Counter(plan.placements[f"app/w{i}"] for i in range(13))
    pools = {n.name: (n.instance_type, n.zone, n.capacity_type) for n in plan.nodes}
    by_pool = Counter(pools[plan.placements[f"app/w{i}"]] for i in range(13) if pools[plan.placements[f"app/w{i}"]][2] == "spot")
    # Then at most 6 on any node and in any Spot pool, and the plan still saves
    assert max(by_node.values()) <= 6
    assert max(by_pool.values(), default=0) <= 6
    assert plan.cost_after_per_hour < plan.cost_before_per_hour / 2
    assert violations == []


def test_the_default_share_is_a_policy_field() -> None:
    # Given the same 13 replicas and a policy allowing a whole workload on one node
    nodes = [node(f"n{i}", "m5.2xlarge") for i in range(13)]
    pods = [pod(f"w{i}", f"n{i}", cpu=300, mem=512, owner="checkout") for i in range(13)]
    plan, violations = _plan({"nodes": nodes, "pods": pods}, {**OD_ONLY, "max_workload_share": 1.0})
    # Then they pack onto one node
    assert len(set(plan.placements.values())) == 1
    assert violations == []


def test_the_validator_flags_a_workload_concentrated_on_one_node() -> None:
    snap = snapshot_from_dict(
        {"nodes": [node("a"), node("b")], "pods": [pod("w0", "a", owner="web"), pod("w1", "b", owner="web")]}
    )
    bad = {"nodes": [{"name": "a", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "z-a"}],
           "placements": {"app/w0": "a", "app/w1": "a"}}
    assert [v.kind for v in validate_plan(snap, tiny_catalog(), bad)] == ["spread"]


def test_system_critical_pods_never_move() -> None:
    # Given a system-node-critical pod alone on a half-empty node
    doc = {"nodes": [node("a"), node("b")],
           "pods": [pod("agent", "a", ns="ops", priority=2_000_001_000), pod("w", "b")]}
    plan, violations = _plan(doc, OD_ONLY)
    # Then its node stays and it stays on it
    assert plan.placements["ops/agent"] == "a"
    assert violations == []


def test_a_template_without_arm64_never_gets_graviton() -> None:
    # Given amd64 pods, a cheaper Graviton type, and a template allowing amd64 only
    doc = {"nodes": [node("a", "m5.2xlarge")], "pods": [pod(f"p{i}", None, cpu=900) for i in range(6)]}
    plan, violations = _plan(doc, {**OD_ONLY, "node_template": {"architectures": ["amd64"]}})
    # Then no new node is m7g
    assert all(n.instance_type != "m7g.xlarge" for n in plan.nodes if n.new)
    assert violations == []


def test_a_v1_snapshot_still_reads_and_v2_fields_parse() -> None:
    v1 = snapshot_from_dict({"nodes": [node("a")], "pods": [pod("x", "a", gpu=1)]})
    assert (v1.pods[0].gpu, v1.pods[0].accelerator) == (1, "nvidia.com/gpu")
    v2 = snapshot_from_dict(
        {
            "schema_version": 2,
            "nodes": [node("a")],
            "pods": [pod("x", "a", gpu=0, extended={"aws.amazon.com/neuron": 2}, owner_kind="Deployment",
                         labels={"app": "x"}, volume_zones=["z-a"], priority=1000,
                         tolerations=[{"key": "t", "operator": "Exists"}, {"operator": "Exists"}],
                         topology_spread=[{"max_skew": 2, "topology_key": "kubernetes.io/hostname",
                                           "when_unsatisfiable": "ScheduleAnyway"}],
                         affinity_required=[{"matchExpressions": [{"key": "k", "operator": "Exists"}]}])],
        }
    )
    p = v2.pods[0]
    assert (p.gpu, p.accelerator, p.owner_kind, p.priority) == (2, "aws.amazon.com/neuron", "Deployment", 1000)
    assert p.volume_zones == frozenset({"z-a"}) and p.labels == {"app": "x"}
    assert p.spread == ()  # ScheduleAnyway is soft
    assert p.affinity == ((("k", "Exists", ()),),)


@pytest.mark.parametrize(
    ("risk", "recovering", "capacity"),
    [
        (0.15, [], "spot"),  # under the 20 % limit: Spot
        (0.25, [], "on-demand"),  # over it: On-Demand fallback
        (0.15, ["z-a:m5.large", "z-b:m5.large"], "on-demand"),  # recovering: must fall to 10 % first
        (0.08, ["z-a:m5.large", "z-b:m5.large"], "spot"),  # safe again: back to Spot
    ],
)
def test_return_from_on_demand_fallback_has_hysteresis(risk: float, recovering: list[str], capacity: str) -> None:
    # Given one small pending pod and m5.large Spot pools at the given risk, some recovering from a fallback
    doc = {"nodes": [], "pods": [pod("x", None, cpu=200, mem=256)]}
    policy = {
        "aggressiveness": 80,
        "node_template": {"families": ["m5"]},
        "pool_risk": {"m5.large": risk, "m5.xlarge": 0.9, "m5.2xlarge": 0.9},
        "recovering_pools": recovering,
    }
    plan, violations = _plan(doc, policy)
    # Then Spot returns only below half the limit, and the add_node reason says why
    node = next(n for n in plan.nodes if n.new)
    assert node.capacity_type == capacity
    reason = next(d.reason for d in plan.decisions if d.action == "add_node")
    assert ("Spot pool risk" in reason) == (capacity == "spot")
    assert violations == []
