"""The Alibaba openb trace as a cluster to replay: its CPU nodes (mapped to the closest EC2 types,
On-Demand) and its pods grouped into Deployments by shape and QoS class, with PDBs on the
latency-sensitive ones."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from spothive.domain.catalog import Catalog

from ..workloads import ZONES, alibaba
from .sim import NAMESPACE, ReplayCluster, node_spec


@dataclass(frozen=True, slots=True)
class Workload:
    """A Deployment of identical pods at its peak replica count."""

    name: str
    qos: str
    cpu_m: int
    memory_mib: int
    peak: int


@dataclass(frozen=True, slots=True)
class TraceCluster:
    """Nodes ``(name, instance_type, zone)`` and Deployments taken from the trace."""

    nodes: tuple[tuple[str, str, str], ...]
    workloads: tuple[Workload, ...]


def trace_cluster(data: Path, catalog: Catalog, nodes: int) -> TraceCluster:
    """The first ``nodes`` CPU-only nodes of the openb trace with the pods the trace placed on them.

    Pods of one (cpu, memory, QoS) shape form one Deployment: the trace gives no owners, and identical
    requests are the replicas a controller would have stamped.
    """
    doc = alibaba(data, catalog)
    gpu_nodes = {p["node"] for p in doc["pods"] if p["gpu"]}
    chosen = [n for n in doc["nodes"] if n["name"] not in gpu_nodes][:nodes]
    names = {n["name"] for n in chosen}
    shapes = Counter((p["cpu_m"], p["memory_mib"], p["labels"]["qos"] or "BE")
                     for p in doc["pods"] if p["node"] in names)
    workloads = tuple(
        Workload(f"{qos.lower()}-{cpu}m-{mem}mi", qos, cpu, mem, count)
        for (cpu, mem, qos), count in sorted(shapes.items())
    )
    return TraceCluster(tuple((n["name"], n["instance_type"], n.get("zone", ZONES[0])) for n in chosen), workloads)


def seed(cluster: ReplayCluster, trace: TraceCluster, replicas: dict[str, int]) -> None:
    """Create the trace's nodes (On-Demand, Ready), its Deployments at ``replicas`` and their PDBs
    (latency-sensitive workloads of two or more replicas: at most one unavailable)."""
    with cluster.batch():
        for name, itype, zone in trace.nodes:
            price = cluster.catalog.price(itype, "on-demand", zone)
            assert price is not None
            cluster.ledger.node_launched(name, itype, "on-demand", zone, price, cluster.clock.now(), "seed")
            cluster.add_node(node_spec(cluster.catalog, name, itype, "on-demand", zone), ready=True)
        for w in trace.workloads:
            cluster.workloads.add_deployment(NAMESPACE, w.name, replicas[w.name], cpu=f"{w.cpu_m}m",
                                             memory=f"{w.memory_mib}Mi", labels={"qos": w.qos})
            if w.qos != "BE" and w.peak >= 2:
                cluster.add_pdb(NAMESPACE, f"{w.name}-pdb", {"app": w.name}, max_unavailable=1)
