"""One call for the local stack: serve a simulated cluster and run a real ``spothive-agent`` process on it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from spothive_agent.simulator.cluster import SimCluster
from spothive_agent.simulator.demo import seed_workloads
from spothive_agent.simulator.seed import NodeSpec
from spothive_agent.simulator.server import SimServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LocalCluster:
    """A running simulator and the agent process connected to it."""

    cluster: SimCluster
    server: SimServer
    kubeconfig: Path
    agent: subprocess.Popen[bytes] | None
    metrics_url: str | None

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop the agent (SIGTERM, it releases its Lease), then the simulator."""
        if self.agent is not None and self.agent.poll() is None:
            self.agent.terminate()
            try:
                self.agent.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait(timeout=timeout_s)
        self.server.stop()


def start_local_cluster(nodes: list[NodeSpec], *, hub_url: str, cluster_id: str, token: str, state_dir: Path,
                        workloads: bool = True, boot_delay_s: float = 30.0, start_agent: bool = True,
                        agent_args: tuple[str, ...] = (), log: IO[bytes] | None = None) -> LocalCluster:
    """Seed a SimCluster with ``nodes`` (and the demo workloads), serve it on loopback, write its kubeconfig to
    ``state_dir`` and start ``spothive-agent`` against it and the hub at ``hub_url``.

    The token reaches the agent through its environment, never its command line. ``agent_args`` adds flags
    (for example ``("--dry-run",)``)."""
    cluster = SimCluster(boot_delay_s=boot_delay_s)
    with cluster.batch():
        for spec in nodes:
            cluster.add_node(spec)
    if workloads:
        seed_workloads(cluster)
    server = SimServer(cluster).start()
    state_dir.mkdir(parents=True, exist_ok=True)
    kubeconfig = server.write_kubeconfig(state_dir / "simulator.kubeconfig")
    if not start_agent:
        return LocalCluster(cluster, server, kubeconfig, None, None)
    port = _free_port()
    env = {**os.environ, "SPOTHIVE_TOKEN": token, "SPOTHIVE_TOKEN_FILE": str(state_dir / "no-token-file")}
    env.pop("KUBERNETES_SERVICE_HOST", None)
    agent_dir = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (agent_dir, env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "spothive_agent", "--hub-url", hub_url, "--cluster-id", cluster_id,
               "--kubeconfig", str(kubeconfig), "--in-cluster", "false", "--identity", "local-agent",
               "--metrics-bind", "127.0.0.1", "--metrics-port", str(port), *agent_args]
    process = subprocess.Popen(command, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return LocalCluster(cluster, server, kubeconfig, process, f"http://127.0.0.1:{port}")
