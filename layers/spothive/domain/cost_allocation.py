"""Cost by namespace: each node's price shared among the pods on it by what they request.

A node's hourly price is split into a CPU part and a memory part in the ratio AWS itself prices the two
resources when sold apart (Fargate, Linux/x86, us-east-1: $0.04048 per vCPU-hour, $0.004445 per GB-hour).
A pod pays its request's share of each part (of the node's allocatable), so a memory-heavy pod on a
compute node pays for memory, not for the node's CPU. What no pod requests is the node's *idle* cost,
reported on its own line rather than spread over the tenants: idle is the consolidation opportunity.
DaemonSet pods are charged like any other pod, to their own namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.catalog import Catalog
from spothive.domain.pricing import HOURS_PER_MONTH

VCPU_HOUR_USD = 0.04048
GIB_HOUR_USD = 0.004445
IDLE = "(idle)"
UNPRICED = "(unpriced)"


@dataclass(frozen=True, slots=True)
class NamespaceCost:
    """One namespace's share of the cluster's nodes, per hour, with what it requests."""

    namespace: str
    hourly: float
    cpu_m: int
    memory_mib: int
    pods: int

    @property
    def monthly(self) -> float:
        """USD a month (730 h)."""
        return round(self.hourly * HOURS_PER_MONTH, 2)


@dataclass(frozen=True, slots=True)
class CostAllocation:
    """Every namespace's share, then the idle line; ``unpriced_nodes`` could not be priced at all."""

    namespaces: list[NamespaceCost]
    idle_hourly: float
    total_hourly: float
    unpriced_nodes: int


def cpu_share_of_price(vcpu: int, memory_mib: int) -> float:
    """The fraction of a node's price that pays for its CPU (the rest pays for memory)."""
    cpu = vcpu * VCPU_HOUR_USD
    memory = memory_mib / 1024 * GIB_HOUR_USD
    return cpu / (cpu + memory) if cpu + memory > 0 else 0.5


def allocate(snapshot: Mapping[str, Any], catalog: Catalog) -> CostAllocation:
    """Share every priced node of ``snapshot`` among its pods; pending pods (no node) cost nothing yet."""
    pods_by_node: dict[str, list[Mapping[str, Any]]] = {}
    for pod in snapshot.get("pods") or []:
        if pod.get("node"):
            pods_by_node.setdefault(str(pod["node"]), []).append(pod)
    hourly: dict[str, float] = {}
    cpu: dict[str, int] = {}
    memory: dict[str, int] = {}
    count: dict[str, int] = {}
    idle = total = 0.0
    unpriced = 0
    for node in snapshot.get("nodes") or []:
        itype = catalog.get(str(node.get("instance_type", "")))
        price = catalog.price(itype.name, str(node.get("capacity_type", "on-demand")), node.get("zone")) \
            if itype is not None else None
        if itype is None or price is None:
            unpriced += 1
            continue
        total += price
        cpu_part = price * cpu_share_of_price(itype.vcpu, itype.memory_mib)
        memory_part = price - cpu_part
        charged = 0.0
        for pod in pods_by_node.get(str(node["name"]), []):
            ns = str(pod.get("namespace") or "default")
            pod_cpu, pod_mem = int(pod.get("cpu_m") or 0), int(pod.get("memory_mib") or 0)
            share = cpu_part * min(1.0, pod_cpu / itype.alloc_cpu_m if itype.alloc_cpu_m else 0.0) \
                + memory_part * min(1.0, pod_mem / itype.alloc_memory_mib if itype.alloc_memory_mib else 0.0)
            hourly[ns] = hourly.get(ns, 0.0) + share
            cpu[ns], memory[ns] = cpu.get(ns, 0) + pod_cpu, memory.get(ns, 0) + pod_mem
            count[ns] = count.get(ns, 0) + 1
            charged += share
        idle += max(0.0, price - charged)
    namespaces = sorted(
        (NamespaceCost(ns, round(h, 6), cpu[ns], memory[ns], count[ns]) for ns, h in hourly.items()),
        key=lambda n: (-n.hourly, n.namespace),
    )
    return CostAllocation(namespaces, round(idle, 6), round(total, 6), unpriced)
