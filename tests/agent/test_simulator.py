"""The simulator's Kubernetes semantics: scheduling filters, cordons, boot delay, PDB-aware evictions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive_agent.kube import Conflict, Gone
from spothive_agent.simulator import nodes_from_ec2_instances
from spothive_agent.simulator.builders import pod_template
from tests.agent.conftest import node


def bare_pod(name, namespace="default", cpu="100m", memory="128Mi", **kw):
    pod = pod_template(namespace, {"app": name}, cpu, memory, **kw)
    pod["metadata"]["name"] = name
    return pod


def where(cluster, key):
    return cluster.pod(key)["spec"].get("nodeName")


def test_extended_resources_are_matched_by_name(cluster):
    cluster.add_node(node("cpu-1"))
    cluster.add_node(node("gpu-1", allocatable={"cpu": "4", "memory": "16Gi", "pods": "58", "nvidia.com/gpu": "1"}))
    cluster.add_pod(bare_pod("train", extended={"nvidia.com/gpu": 1}))
    cluster.add_pod(bare_pod("infer", extended={"aws.amazon.com/neuron": 1}))
    cluster.add_pod(bare_pod("train-2", extended={"nvidia.com/gpu": 1}))
    assert where(cluster, "default/train") == "gpu-1"
    assert where(cluster, "default/infer") is None  # no node offers neuron devices
    assert where(cluster, "default/train-2") is None  # the only GPU is taken


def test_node_selector_required_affinity_and_taints(cluster):
    cluster.add_node(node("a", "us-east-1a", labels={"team": "web"}))
    cluster.add_node(node("b", "us-east-1b", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]))
    cluster.add_pod(bare_pod("sel", node_selector={"team": "web"}))
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1b"]}]}]}}}
    cluster.add_pod(bare_pod("aff-untolerated", affinity=affinity))
    cluster.add_pod(bare_pod("aff-tolerated", affinity=affinity,
                             tolerations=[{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}]))
    assert where(cluster, "default/sel") == "a"
    assert where(cluster, "default/aff-untolerated") is None
    assert where(cluster, "default/aff-tolerated") == "b"


def test_topology_spread_do_not_schedule_keeps_the_skew(cluster):
    for zone in ("us-east-1a", "us-east-1b"):
        cluster.add_node(node(f"n-{zone[-1]}", zone, allocatable={"cpu": "8", "memory": "32Gi", "pods": "110"}))
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "api"}}}]
    keys = cluster.workloads.add_deployment("default", "api", 4, spread=spread)
    zones = sorted(where(cluster, k) for k in keys)
    assert zones == ["n-a", "n-a", "n-b", "n-b"]


def test_volume_zone_pins_the_pod(cluster):
    cluster.add_node(node("a", "us-east-1a"))
    cluster.add_node(node("b", "us-east-1b"))
    cluster.add_pv("pv-db", "default", "data-db", "us-east-1b")
    cluster.add_pod(bare_pod("db", pvc="data-db"))
    assert where(cluster, "default/db") == "b"


def test_cordoned_nodes_get_no_pods_and_new_nodes_turn_ready_after_the_boot_delay(cluster, clock):
    cluster.add_node(node("old"))
    cluster.patch_node("old", {"spec": {"unschedulable": True}})
    cluster.add_pod(bare_pod("p"))
    assert where(cluster, "default/p") is None
    cluster.launch_node(node("new"))
    clock.advance(59)
    cluster.tick()
    assert where(cluster, "default/p") is None
    clock.advance(2)
    cluster.tick()
    assert where(cluster, "default/p") == "new"


def test_eviction_honours_the_pdb_and_the_controller_replaces_the_pod(cluster):
    cluster.add_node(node("a", allocatable={"cpu": "8", "memory": "32Gi", "pods": "110"}))
    keys = cluster.workloads.add_deployment("web", "web", 2)
    cluster.add_pdb("web", "web", {"app": "web"}, max_unavailable=1)
    first = cluster.evict("web", keys[0].split("/")[1])
    assert first.outcome == "evicted"
    assert len([k for k in cluster.pods_on("a") if k.startswith("web/")]) == 2  # replaced at once
    cluster.pod_start = timedelta(seconds=30)
    second = cluster.evict("web", keys[1].split("/")[1])
    third_key = next(k for k in cluster.pods_on("a") if k.startswith("web/") and k not in keys)
    blocked = cluster.evict("web", third_key.split("/")[1])
    assert second.outcome == "evicted"
    assert blocked.outcome == "blocked" and blocked.pdb == "web"
    assert blocked.message == "The disruption budget web needs 1 healthy pods and has 1 currently"


def test_lease_conflicts_and_watch_expiry(cluster):
    cluster.create_lease("ns", {"metadata": {"name": "l"}, "spec": {"holderIdentity": "x"}})
    with pytest.raises(Conflict):
        cluster.create_lease("ns", {"metadata": {"name": "l"}, "spec": {}})
    stale = cluster.get_lease("ns", "l")
    cluster.replace_lease("ns", stale)
    with pytest.raises(Conflict):
        cluster.replace_lease("ns", stale)
    small = type(cluster)(clock=cluster.clock, history=3)
    for i in range(5):
        small.add_node(node(f"n{i}"))
    with pytest.raises(Gone):
        list(small.watch("nodes", "1", 0))


def test_nodes_from_moto_ec2_instances():
    catalog = {"m5.large": {"alloc_cpu_cores": 1.93, "alloc_memory_mib": 7220, "alloc_pods": 29, "gpu_count": 0}}
    instances = [
        {"InstanceId": "i-1", "InstanceType": "m5.large", "PrivateDnsName": "ip-10-0-1-5.ec2.internal",
         "Placement": {"AvailabilityZone": "us-east-1a"}, "State": {"Name": "running"}, "InstanceLifecycle": "spot",
         "Tags": [{"Key": "eks:cluster-name", "Value": "demo"}]},
        {"InstanceId": "i-2", "InstanceType": "m5.large", "Placement": {"AvailabilityZone": "us-east-1b"},
         "State": {"Name": "stopped"}, "Tags": [{"Key": "eks:cluster-name", "Value": "demo"}]},
        {"InstanceId": "i-3", "InstanceType": "x9.huge", "Placement": {"AvailabilityZone": "us-east-1b"},
         "State": {"Name": "running"}, "Tags": [{"Key": "eks:cluster-name", "Value": "demo"}]},
    ]
    specs = nodes_from_ec2_instances(instances, catalog, cluster="demo")
    assert [(s.name, s.capacity_type, s.zone, s.allocatable) for s in specs] == [
        ("ip-10-0-1-5.ec2.internal", "spot", "us-east-1a", {"cpu": "1930m", "memory": "7220Mi", "pods": "29"})]
