"""Sleeping a Karpenter cluster through the agent: API requests, simulated drain time and how many nodes
drain at once (plain script; not collected by pytest).

    PYTHONPATH=agent:. python tests/bench/bench_karpenter_hibernation.py [--nodes 100] [--pods-per-node 4]

The simulator is served over HTTP and the agent's executor uses the real lightkube adapter. Two NodePools
share the nodes. The agent paces its NodeClaim deletes by the pools' disruption budgets (default 10 %).
Baseline beside it: the usual cron script of the Karpenter issues (``kubectl patch nodepool … limits cpu 0``
then ``kubectl delete nodeclaims --all``), approximated by a budget of 100 %: every NodeClaim of a pool at once.
Simulated time advances 5 s per poll; Karpenter's controller acts on each poll. A last row gives every
Deployment a PDB (maxUnavailable 1): with the limits at zero an evicted pod has nowhere to go, so its
replacement never turns Ready and the PDB stops the drain: the sleep ends ``blocked`` at its deadline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "agent"), str(ROOT)]

from spothive_agent.actions import Executor  # noqa: E402
from spothive_agent.clock import FakeClock  # noqa: E402
from spothive_agent.inventory import Inventory  # noqa: E402
from spothive_agent.kube_lightkube import LightkubePort, load_config  # noqa: E402
from spothive_agent.metrics import AgentMetrics  # noqa: E402
from spothive_agent.simulator import NodeSpec, SimCluster  # noqa: E402
from spothive_agent.simulator.server import SimServer  # noqa: E402

ALLOC = {"cpu": "7910m", "memory": "29Gi", "pods": "58"}
MANAGED = {"app.kubernetes.io/managed-by": "spothive"}


class TickingClock(FakeClock):
    cluster: SimCluster | None = None

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        if self.cluster is not None:  # how many nodes drain at once: counted before Karpenter acts on them
            self.peak = max(getattr(self, "peak", 0), sum(
                1 for c in self.cluster.custom_objects("nodeclaims").values() if c["metadata"].get("deletionTimestamp")))
            self.cluster.tick()


def run(nodes: int, pods_per_node: int, budget: str, pdbs: bool = False, deadline_s: int = 3600) -> dict[str, object]:
    clock = TickingClock()
    cluster = SimCluster(clock=clock)
    clock.cluster = cluster
    with cluster.batch():
        for pool in ("spothive-general", "spothive-spot"):
            cluster.add_nodepool(pool, {"cpu": "1000", "memory": "4000Gi"}, MANAGED, [{"nodes": budget}])
        for i in range(nodes):
            cluster.add_karpenter_node(NodeSpec(f"kp-{i}", "m5.2xlarge", "us-east-1a", ALLOC),
                                       "spothive-general" if i % 2 else "spothive-spot")
        for d in range(nodes * pods_per_node // 10):
            cluster.workloads.add_deployment("apps", f"app-{d}", 10, cpu="500m", memory="1Gi")
            if pdbs:
                cluster.add_pdb("apps", f"app-{d}", {"app": f"app-{d}"}, max_unavailable=1)
    server = SimServer(cluster, tick_s=3600).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            port = LightkubePort(load_config(str(server.write_kubeconfig(Path(tmp) / "kubeconfig")), None, False))
            inventory = Inventory(port, clock)
            executor = Executor(port, inventory, clock, AgentMetrics(), identity="bench", dry_run=lambda: False,
                                safe_mode=lambda: None, refresh=inventory.pump, karpenter_enabled=True)
            started, began = clock.now(), time.perf_counter()
            result = executor.execute({"id": f"bench-{budget.rstrip('%')}", "type": "hibernate_karpenter",
                                       "params": {"mode": "sleep", "deadline_s": deadline_s, "poll_s": 5}})
            wall = time.perf_counter() - began
            requests = port.counters.requests
            port.close()
    finally:
        server.stop()
    return {"status": result["status"], "simulated_s": (clock.now() - started).total_seconds(), "wall_s": wall,
            "requests": requests, "peak": getattr(clock, "peak", 0), "left": len(cluster.custom_objects("nodeclaims")),
            "pending": len(cluster.pending())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--pods-per-node", type=int, default=4)
    args = parser.parse_args()
    rows = [("SpotHive (pool budget 10 %)", run(args.nodes, args.pods_per_node, "10%")),
            ("baseline: budget 100 % (pool at once)", run(args.nodes, args.pods_per_node, "100%")),
            ("SpotHive, PDBs, 600 s deadline", run(args.nodes, args.pods_per_node, "10%", True, 600))]
    print(f"{args.nodes} Karpenter nodes, {args.nodes * args.pods_per_node} pods")
    print(f"{'':32} {'status':>8} {'drain (sim s)':>14} {'peak draining':>14} {'k8s requests':>13} "
          f"{'wall s':>7} {'claims left':>12}")
    for label, row in rows:
        print(f"{label:32} {row['status']:>8} {row['simulated_s']:>14.0f} {row['peak']:>14} {row['requests']:>13} "
              f"{row['wall_s']:>7.2f} {row['left']:>12}")


if __name__ == "__main__":
    main()
