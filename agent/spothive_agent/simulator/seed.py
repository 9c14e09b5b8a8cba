"""Nodes to seed the simulator with: from a JSON list or from the EC2 instances of a (moto) demo cluster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]
CLUSTER_TAGS = ("eks:cluster-name", "alpha.eksctl.io/cluster-name", "spothive:cluster")


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One node: ``allocatable`` in Kubernetes quantities, e.g. ``{"cpu": "3920m", "memory": "14Gi", "pods": "58"}``."""

    name: str
    instance_type: str
    zone: str
    allocatable: dict[str, str]
    capacity_type: str = "on-demand"
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[Obj] = field(default_factory=list)
    arch: str = "amd64"


def allocatable_from_catalog(row: Obj) -> dict[str, str]:
    """Allocatable quantities from a catalog row (``alloc_cpu_cores``, ``alloc_memory_mib``, ``alloc_pods``,
    ``gpu_count``) as the shared EC2 catalog CSV has them."""
    alloc = {"cpu": f"{int(float(row['alloc_cpu_cores']) * 1000)}m", "memory": f"{int(float(row['alloc_memory_mib']))}Mi",
             "pods": str(int(float(row.get("alloc_pods") or 110)))}
    if int(float(row.get("gpu_count") or 0)):
        alloc["nvidia.com/gpu"] = str(int(float(row["gpu_count"])))
    return alloc


def nodes_from_ec2_instances(instances: list[Obj], catalog: dict[str, Obj], cluster: str | None = None) -> list[NodeSpec]:
    """NodeSpecs for EC2 ``DescribeInstances`` instances (running ones, of ``cluster`` when given by tag).

    ``catalog`` maps instance type → catalog row (see ``allocatable_from_catalog``); types missing from it are
    skipped, since a node without known allocatable would mislead the scheduler."""
    nodes = []
    for inst in instances:
        if (inst.get("State") or {}).get("Name", "running") != "running":
            continue
        tags = {t["Key"]: t["Value"] for t in inst.get("Tags") or []}
        if cluster is not None and not any(tags.get(k) == cluster for k in CLUSTER_TAGS):
            continue
        row = catalog.get(inst["InstanceType"])
        if row is None:
            continue
        name = inst.get("PrivateDnsName") or inst["InstanceId"]
        arch = "arm64" if inst.get("Architecture") == "arm64" else "amd64"
        labels = {"spothive.io/instance-id": inst["InstanceId"]}
        nodes.append(NodeSpec(name=name, instance_type=inst["InstanceType"],
                              zone=(inst.get("Placement") or {}).get("AvailabilityZone", ""),
                              allocatable=allocatable_from_catalog(row),
                              capacity_type="spot" if inst.get("InstanceLifecycle") == "spot" else "on-demand",
                              labels=labels, arch=arch))
    return nodes
