"""The node provisioner every policy shares (cluster-autoscaler-like): a pod that fits no node gets
On-Demand capacity, so policies differ only in what their optimizer does.

Pods that would fit a node still booting wait for it; otherwise a node of the cheapest candidate type
that holds the pod is launched, zones in turn.
"""

from __future__ import annotations

from spothive_agent.quantities import to_units
from spothive_agent.simulator.scheduler import node_ready

from .sim import ReplayCluster

CANDIDATES = ("m6i.2xlarge", "m6i.4xlarge", "m6i.8xlarge", "m6i.12xlarge", "m6i.16xlarge", "r6i.2xlarge",
              "r6i.4xlarge", "r6i.8xlarge", "r6i.12xlarge", "r6i.16xlarge", "c6i.8xlarge", "c6i.16xlarge")
ZONES = ("use1-az1", "use1-az2", "use1-az4")


class Provisioner:
    """Launches On-Demand nodes for pods that fit no node."""

    def __init__(self) -> None:
        self._turn = 0

    def step(self, cluster: ReplayCluster) -> int:
        """One pass over the Pending pods; returns the nodes launched."""
        pending = [cluster.store.objects["pods"][k] for k in cluster.pending()]
        if not pending:
            return 0
        booting: list[list[int]] = []
        for name in cluster.node_names():
            node = cluster.node_obj(name)
            if node is not None and not node_ready(node) and not node["spec"].get("unschedulable"):
                alloc = node["status"]["allocatable"]
                booting.append([to_units("cpu", alloc["cpu"]), to_units("memory", alloc["memory"])])
        wants = sorted(((cluster._pod_requests(p).get("cpu", 0), cluster._pod_requests(p).get("memory", 0))
                        for p in pending), reverse=True)
        launched = 0
        for cpu, mem in wants:
            room = next((b for b in booting if b[0] >= cpu and b[1] >= mem), None)
            if room is None:
                itype = self._type_for(cluster, cpu, mem)
                if itype is None:
                    continue
                t = cluster.catalog.types[itype]
                cluster.launch(itype, "on-demand", ZONES[self._turn % len(ZONES)], by="prov")
                self._turn += 1
                launched += 1
                room = [t.alloc_cpu_m, t.alloc_memory_mib]
                booting.append(room)
            room[0] -= cpu
            room[1] -= mem
        return launched

    @staticmethod
    def _type_for(cluster: ReplayCluster, cpu: int, mem: int) -> str | None:
        """The cheapest candidate holding two such pods, else the cheapest holding one."""
        fits = []
        for name in CANDIDATES:
            t = cluster.catalog.types.get(name)
            if t is None or t.ondemand_price is None or t.alloc_cpu_m < cpu or t.alloc_memory_mib < mem:
                continue
            fits.append((t.alloc_cpu_m < 2 * cpu or t.alloc_memory_mib < 2 * mem, t.ondemand_price, name))
        return min(fits)[2] if fits else None
