"""The demo cluster's agent: the simulator seeded from moto's EC2 instances, and a real ``spothive-agent``.

Local only (the hub never imports the agent): the demo connects its cluster through the API, starts the
in-memory Kubernetes with the cluster's nodes and a realistic set of workloads, runs the agent process
against it and the local API, then waits for what a person installing the agent waits for: verify
green, the snapshot behind the projection, usage arriving.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from spothive.local.demo_customer import DemoCustomer, customer_session
from spothive_agent.simulator import nodes_from_ec2_instances
from spothive_agent.simulator.cluster import SimCluster
from spothive_agent.simulator.demo import seed_workloads
from spothive_agent.simulator.local import LocalCluster, start_local_cluster

#: Faster than production so the demo shows each step in seconds (heartbeat 30 s, usage 60 s by default).
AGENT_ARGS = ("--heartbeat-interval", "10", "--usage-interval", "15", "--snapshot-min-interval", "5",
              "--log-format", "text")
VERIFY_TIMEOUT_S = 60.0
SNAPSHOT_TIMEOUT_S = 120.0
USAGE_TIMEOUT_S = 90.0


@dataclass
class DemoAgent:
    """The running simulator + agent and what the demo saw."""

    local: LocalCluster
    org_id: str
    cluster_id: str
    log_path: Path
    pause: Callable[[float], bool] | None = None
    sync: Any = None

    def stop(self) -> None:
        """SIGTERM to the agent (it releases its Lease), then stop the cloud sync and the simulator."""
        if self.sync is not None:
            self.sync.stop()
        self.local.stop()


def catalog_rows(instance_types: set[str]) -> dict[str, dict[str, Any]]:
    """Allocatable per instance type from the hub's catalog, in the simulator's row format."""
    from spothive.wiring import pricing

    catalog = pricing.catalogs().snapshot
    rows = {}
    for name in instance_types:
        t = catalog.get(name)
        if t is not None:
            rows[name] = {"alloc_cpu_cores": t.alloc_cpu_m / 1000, "alloc_memory_mib": t.alloc_memory_mib,
                          "alloc_pods": t.max_pods, "gpu_count": t.gpus}
    return rows


def demo_workloads(cluster: SimCluster) -> None:
    """The simulator's demo set at three times the replicas plus a shop: ~50 pods over 20 mostly idle
    nodes, with PDBs, zone spread, a do-not-disrupt job and a GPU inference pod, so the planner has
    something real to pack."""
    seed_workloads(cluster, scale=3)
    w = cluster.workloads
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
               "labelSelector": {"matchLabels": {"app": "checkout"}}}]
    w.add_deployment("shop", "checkout", 4, cpu="500m", memory="1Gi", spread=spread, priority=10000)
    cluster.add_pdb("shop", "checkout", {"app": "checkout"}, min_available=3)
    w.add_deployment("shop", "catalog", 6, cpu="250m", memory="768Mi")
    w.add_deployment("shop", "cart-cache", 3, cpu="200m", memory="2Gi")
    cluster.add_pdb("shop", "cart-cache", {"app": "cart-cache"}, max_unavailable=1)
    w.add_deployment("ml", "inference", 1, cpu="1", memory="4Gi", extended={"nvidia.com/gpu": 1},
                     tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])


def start(api: Any, customer: DemoCustomer, cluster_id: str, hub_url: str, state_dir: Path,
          out: Callable[[str], None]) -> DemoAgent:
    """Connect the cluster, start the simulator seeded from moto and the agent; return at once."""
    install = api.call("POST", "/api/clusters/connect", {"cluster_id": cluster_id})
    out(f"Agent token issued for cluster {cluster_id}; install command:\n  "
        + install["helm_command"].replace("\n", "\n  "))
    from spothive.wiring import agents

    org_id, _ = agents.agents().authenticate_agent(install["token"])
    ec2: Any = customer_session(customer.aws_account_id).client("ec2", region_name=customer.region)
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    catalog = catalog_rows({i["InstanceType"] for i in instances})
    nodes = nodes_from_ec2_instances(instances, catalog, cluster=customer.cluster_name)
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "agent.log"
    log: IO[bytes] = log_path.open("ab")
    try:
        local = start_local_cluster(nodes, hub_url=hub_url, cluster_id=cluster_id, token=install["token"],
                                    state_dir=state_dir, workloads=False, boot_delay_s=10.0,
                                    agent_args=AGENT_ARGS, log=log)
    finally:
        log.close()  # the child keeps its own descriptor
    with local.cluster.batch():
        demo_workloads(local.cluster)
    from spothive.local.cloud_sync import CloudSync

    sync = CloudSync(ec2, local.cluster, customer.cluster_name, catalog_rows)
    local.cluster.spothive_joined = sync.joined  # type: ignore[attr-defined]  # the demo's report reads it
    sync.start()
    pods = len(local.cluster.store.objects["pods"])
    out(f"Simulated cluster {customer.cluster_name}: {len(nodes)} nodes from moto's EC2 instances, {pods} pods; "
        f"kubeconfig {local.kubeconfig}")
    out(f"spothive-agent running (pid {local.agent.pid if local.agent else '-'}, metrics {local.metrics_url}, "
        f"log {log_path})")
    return DemoAgent(local, org_id, cluster_id, log_path, sync=sync)


def wait_connected(api: Any, agent: DemoAgent, out: Callable[[str], None],
                   pause: Callable[[float], bool] | None = None) -> dict[str, Any]:
    """Verify green, the agent's snapshot behind the projection, usage arriving; what each took.

    ``pause(s)`` waits between probes and returns True when the stack is asked to stop (Ctrl-C)."""
    agent.pause = pause or _sleep
    began = time.monotonic()
    verify = _until(lambda: _green(api, agent.cluster_id), VERIFY_TIMEOUT_S, agent, "verify to turn green")
    out(f"Heartbeat: verify is {verify['status']} after {time.monotonic() - began:.0f}s "
        f"(last seen {verify['seconds_since']:.0f}s ago)")
    from spothive.wiring import agents, inventory

    snapshot = _until(lambda: inventory.snapshots().latest(agent.org_id, agent.cluster_id), SNAPSHOT_TIMEOUT_S,
                      agent, "the agent's snapshot")
    chart = _until(lambda: _planner(api, agent.cluster_id), SNAPSHOT_TIMEOUT_S, agent, "the planner projection")
    out(f"Snapshot from the agent (v{snapshot.get('schema_version', 1)}, agent {snapshot.get('agent_version')}): "
        f"{len(snapshot.get('nodes', []))} nodes, {len(snapshot.get('pods', []))} pods, "
        f"{len(snapshot.get('pdbs', []))} PDBs after {time.monotonic() - began:.0f}s; projection basis "
        f"{chart['basis']}")
    usage = _until(lambda: agents.usage().latest(agent.org_id, agent.cluster_id), USAGE_TIMEOUT_S, agent,
                   "usage samples")
    cpu = sum(p.get("cpu_m", 0) for p in usage.get("pods", []))
    out(f"Usage from {usage['source']}: {len(usage.get('pods', []))} pods using {cpu / 1000:.1f} CPU, "
        f"{len(usage.get('nodes', []))} nodes, after {time.monotonic() - began:.0f}s")
    return {"verify": verify, "snapshot": snapshot, "projection": chart, "usage": usage}


def _green(api: Any, cluster_id: str) -> dict[str, Any] | None:
    verify: dict[str, Any] = api.call("GET", f"/api/clusters/{cluster_id}/verify")
    return verify if verify["status"] == "green" else None


def _planner(api: Any, cluster_id: str) -> dict[str, Any] | None:
    chart: dict[str, Any] = api.call("GET", f"/api/metrics/projection?cluster_id={cluster_id}")
    return chart if chart["basis"] == "planner" else None


def _until(probe: Callable[[], Any], timeout_s: float, agent: DemoAgent, what: str) -> Any:
    from spothive.local.demo import DemoError

    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found:
            return found
        if agent.local.agent is not None and agent.local.agent.poll() is not None:
            raise DemoError(f"spothive-agent exited ({agent.local.agent.returncode}) before {what}; "
                            f"see {agent.log_path}")
        if time.monotonic() > deadline:
            raise DemoError(f"no {what} within {timeout_s:.0f}s; see {agent.log_path}")
        if (agent.pause or _sleep)(1.0):
            raise DemoError(f"stopped while waiting for {what}")


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False
