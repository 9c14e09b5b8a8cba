"""An independent meter for the replay, written apart from the ledger: once a simulated minute it reads
only the simulator's stored objects (nodes with their instance-type, capacity-type and zone labels; pods
without a node) and the catalog's prices, and adds up dollars and Pending pod-minutes. The benchmark
checks the ledger's event-based figures against these samples."""

from __future__ import annotations

from dataclasses import dataclass

from spothive.domain.catalog import Catalog
from spothive_agent.simulator.cluster import SimCluster


@dataclass
class Meter:
    """Per-minute samples of spend and Pending pods."""

    catalog: Catalog
    dollars: float = 0.0
    pending_minutes: float = 0.0
    samples: int = 0

    def sample(self, cluster: SimCluster, minutes: float = 1.0) -> None:
        """Charge every node present for ``minutes`` and count every pod without a node."""
        for node in cluster.store.objects["nodes"].values():
            labels = node["metadata"]["labels"]
            price = self.catalog.price(labels["node.kubernetes.io/instance-type"],
                                       labels["karpenter.sh/capacity-type"], labels["topology.kubernetes.io/zone"])
            self.dollars += (price or 0.0) * minutes / 60
        self.pending_minutes += minutes * sum(
            1 for p in cluster.store.objects["pods"].values() if not p["spec"].get("nodeName"))
        self.samples += 1
