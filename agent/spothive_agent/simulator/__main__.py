"""``python -m spothive_agent.simulator``: serve a simulated cluster on loopback and write a kubeconfig for it."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path

from spothive_agent.simulator.cluster import SimCluster
from spothive_agent.simulator.demo import seed_workloads
from spothive_agent.simulator.seed import NodeSpec
from spothive_agent.simulator.server import SimServer


def build_parser() -> argparse.ArgumentParser:
    """The simulator's command line."""
    parser = argparse.ArgumentParser(prog="python -m spothive_agent.simulator",
                                     description="An in-memory Kubernetes served as a Kubernetes-compatible HTTP API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only by default)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    parser.add_argument("--nodes-from", type=Path, help="JSON list of nodes: name, instance_type, zone, allocatable, "
                        "capacity_type, labels, taints, arch")
    parser.add_argument("--workloads", choices=["none", "demo"], default="demo",
                        help="pods to run: a small demo set (DaemonSet, deployments, PDB) or none (default demo)")
    parser.add_argument("--boot-delay", type=float, default=60.0, help="seconds a new node takes to turn Ready")
    parser.add_argument("--kubeconfig-out", type=Path, help="write a kubeconfig for the simulator here")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Start the simulator and serve until interrupted; prints its URL (and kubeconfig path) on stdout."""
    args = build_parser().parse_args(argv)
    cluster = SimCluster(boot_delay_s=args.boot_delay)
    if args.nodes_from:
        for raw in json.loads(args.nodes_from.read_text()):
            cluster.add_node(NodeSpec(**raw))
    if args.workloads == "demo":
        seed_workloads(cluster)
    server = SimServer(cluster, host=args.host, port=args.port).start()
    print(json.dumps({"url": server.url, **({"kubeconfig": str(server.write_kubeconfig(args.kubeconfig_out))}
                                             if args.kubeconfig_out else {})}), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
