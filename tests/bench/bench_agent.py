"""What the agent sends per minute for a 1,000-node / 10,000-pod simulated cluster, and its memory
(plain script; not collected by pytest).

    PYTHONPATH=agent:. python tests/bench/bench_agent.py [--minutes 3] [--nodes 1000] [--pods 10000]

The simulator is served over HTTP and the agent runs with the real lightkube adapter (list once, then
watches); the hub is a fake that counts what arrives. Simulated churn per minute: 1 % of the pods replaced
(evicted, recreated, rescheduled) and 20 % of the nodes reporting status, as kubelets do every 5 min.
Baseline beside it: a naive agent that re-lists everything and sends a full uncompressed snapshot and usage
every 60 s. Memory: the agent's state (deep size of what it keeps), and the RSS of a real
``spothive-agent`` process synced to the same cluster.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "agent"), str(ROOT)]

from spothive_agent.agent import Agent, LoopConfig  # noqa: E402
from spothive_agent.clock import FakeClock, rfc3339  # noqa: E402
from spothive_agent.hub import HubClient, TokenSource  # noqa: E402
from spothive_agent.kube_lightkube import LightkubePort, load_config  # noqa: E402
from spothive_agent.simulator import NodeSpec, SimCluster  # noqa: E402
from spothive_agent.simulator.builders import pod_template, uid  # noqa: E402
from spothive_agent.simulator.server import SimServer  # noqa: E402
from tests.agent.fakehub import FakeHub  # noqa: E402

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
ALLOC = {"cpu": "7910m", "memory": "29Gi", "pods": "58"}


def deep_size(obj: object, seen: set[int] | None = None) -> int:
    """Bytes held by a JSON-like structure (dicts, lists, strings, numbers), shared objects counted once."""
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, list | tuple | set):
        size += sum(deep_size(v, seen) for v in obj)
    return size


def build_cluster(n_nodes: int, n_pods: int) -> SimCluster:
    """Nodes over three zones, one DaemonSet pod a node, the rest Deployment pods already running, PDBs."""
    rng = random.Random(7)
    sim = SimCluster()
    with sim.batch():
        names = []
        for i in range(n_nodes):
            name = f"ip-10-{i // 250}-{i % 250}-1.ec2.internal"
            sim.add_node(NodeSpec(name, rng.choice(["m6i.2xlarge", "m5.2xlarge", "c6i.2xlarge"]), ZONES[i % 3],
                                  ALLOC, capacity_type="spot" if i % 3 == 0 else "on-demand",
                                  labels={"eks.amazonaws.com/nodegroup": f"ng-{i % 4}"}))
            names.append(name)
        sim.workloads.add_daemonset("kube-system", "aws-node")
        workload = n_pods - n_nodes
        per_deploy = 30
        for d in range(workload // per_deploy + 1):
            count = min(per_deploy, workload - d * per_deploy)
            if count <= 0:
                break
            ns, app = f"team-{d % 20}", f"svc-{d}"
            pod_hash = f"{d:05d}x9"
            template = pod_template(ns, {"app": app, "pod-template-hash": pod_hash}, f"{rng.choice([100, 250, 500])}m",
                                    f"{rng.choice([128, 256, 512])}Mi", priority=rng.choice([0, 1000]),
                                    annotations={"karpenter.sh/do-not-disrupt": "true"} if d % 50 == 0 else None)
            rs = f"{app}-{pod_hash}"
            template["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs,
                                                        "uid": uid("rs", ns, rs), "controller": True}]
            sim.workloads._templates[(ns, rs)] = template
            for r in range(count):
                pod = json.loads(json.dumps(template))
                pod["metadata"]["name"] = f"{rs}-{r:05d}"
                pod["spec"]["nodeName"] = names[(d * per_deploy + r) % n_nodes]
                sim.add_pod(pod)
            if d % 2 == 0:
                sim.add_pdb(ns, app, {"app": app}, max_unavailable=1)
    return sim


def churn(sim: SimCluster, rng: random.Random, pods: int, nodes: int) -> None:
    """Replace ``pods`` workload pods and let ``nodes`` kubelets report status."""
    with sim.store.lock:
        workload = [k for k, p in sim.store.objects["pods"].items() if not k.startswith("kube-system/")]
        node_names = list(sim.store.objects["nodes"])
    for key in rng.sample(workload, pods):
        ns, name = key.split("/", 1)
        with sim.store.lock:
            sim._delete_pod(key)
        sim.tick()
    now = rfc3339(sim.clock.now())
    for name in rng.sample(node_names, nodes):
        node = sim.get_node(name)
        for c in node["status"]["conditions"]:
            c["lastHeartbeatTime"] = now
        sim.patch_node(name, {"status": {"conditions": node["status"]["conditions"]}})
    del ns


def settle(agent: Agent, sim: SimCluster, timeout: float = 10.0) -> None:
    """Wait until the agent's watches caught up with the simulator."""
    deadline = time.monotonic() + timeout
    target = int(sim.store.resource_version)
    while time.monotonic() < deadline:
        seen = [int(agent.inventory.resource_versions[k] or 0) for k in ("pods", "nodes", "pdbs")]
        if max(seen) >= target:
            time.sleep(0.05)
            return
        time.sleep(0.02)


class _HubHandler(BaseHTTPRequestHandler):
    hub: FakeHub

    def log_message(self, format: str, *args: object) -> None:
        return

    def _do(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, doc = self.hub.dispatch(self.command, self.path.split("?")[0],
                                        {k.lower(): v for k, v in self.headers.items()}, body)
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _do


def process_rss(server: SimServer, kubeconfig: Path) -> tuple[float, float]:
    """(seconds to the first snapshot, RSS MiB) of a real spothive-agent process synced to the cluster."""
    hub = FakeHub()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_HubHandler,), {"hub": hub}))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "agent"), "SPOTHIVE_TOKEN": hub.token}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "spothive_agent", "--hub-url", f"http://127.0.0.1:{httpd.server_address[1]}",
                             "--cluster-id", hub.cluster_id, "--kubeconfig", str(kubeconfig), "--metrics-port", "0",
                             "--token-file", "/nonexistent", "--log-level", "WARNING"], env=env)
    try:
        while not hub.snapshots and time.monotonic() - started < 120:
            time.sleep(0.2)
        first = time.monotonic() - started
        time.sleep(2)
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS")) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        httpd.shutdown()
    return first, rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--minutes", type=int, default=3)
    args = parser.parse_args()
    t0 = time.monotonic()
    sim = build_cluster(args.nodes, args.pods)
    print(f"cluster: {len(sim.store.objects['nodes'])} nodes, {len(sim.store.objects['pods'])} pods, "
          f"{len(sim.store.objects['pdbs'])} PDBs (built in {time.monotonic() - t0:.1f} s)")
    server = SimServer(sim, tick_s=3600).start()
    kubeconfig = server.write_kubeconfig(Path(os.environ.get("TMPDIR", "/tmp")) / "spothive-bench-kubeconfig")
    hub = FakeHub()
    clock = FakeClock()
    port = LightkubePort(load_config(str(kubeconfig), None, False))
    client = HubClient("https://hub.bench", TokenSource(hub.token), hub.cluster_id, transport=hub.transport())
    agent = Agent(LoopConfig(cluster_id=hub.cluster_id, identity="bench"), port, client, clock)
    agent.threaded = True
    rng = random.Random(11)

    t0 = time.monotonic()
    agent.step()  # takes the Lease, starts the watches
    while not all(k in agent.inventory.synced for k in ("nodes", "pods", "pdbs", "pvs", "events")):
        time.sleep(0.05)
    clock.advance(1)
    agent.step()
    sync_s = time.monotonic() - t0
    start_hub = (client.traffic.requests, client.traffic.bytes_sent)
    start_kube = (sum(server.requests.values()), server.bytes_sent)
    startup = {"hub_requests": start_hub[0], "hub_bytes": start_hub[1], "kube_requests": start_kube[0],
               "kube_bytes": start_kube[1]}
    for _minute in range(args.minutes):
        for second in range(60):
            if second % 10 == 0:
                churn(sim, rng, pods=max(1, args.pods // 100 // 6), nodes=max(1, args.nodes // 5 // 6))
                settle(agent, sim)
            clock.advance(1)
            agent.step()
            if second % 20 == 0:
                agent.poll_actions(0)
    per_min = {
        "hub_requests": (client.traffic.requests - start_hub[0]) / args.minutes,
        "hub_bytes": (client.traffic.bytes_sent - start_hub[1]) / args.minutes,
        "kube_requests": (sum(server.requests.values()) - start_kube[0]) / args.minutes,
        "kube_bytes": (server.bytes_sent - start_kube[0] * 0 - start_kube[1]) / args.minutes,
    }
    snapshots = len(hub.snapshots) - 1
    state = deep_size(agent.inventory.records)

    # the naive baseline: everything re-listed and sent in full every 60 s
    lists = {k: sim.list_raw(k)[0] for k in ("nodes", "pods", "pdbs", "pvs", "events")}
    metrics_bytes = len(json.dumps(sim.pod_metrics())) + len(json.dumps(sim.node_metrics()))
    snapshot = agent.inventory.snapshot(hub.cluster_id, None)
    snap_bytes = len(json.dumps(snapshot, separators=(",", ":")))
    snap_gz = len(gzip.compress(json.dumps(snapshot, separators=(",", ":")).encode(), 6))
    usage_bytes = len(json.dumps({"pods": [[p["metadata"]["namespace"], p["metadata"]["name"], 1, 1]
                                           for p in sim.pod_metrics()]}))
    naive = {"hub_requests": 2 + 1 + 1 + 3, "hub_bytes": snap_bytes + usage_bytes * 2 + 7 * 450,
             "kube_requests": len(lists) + 2, "kube_bytes": sum(len(v) for v in lists.values()) + metrics_bytes}
    raw_items = [port.list(k).items for k in ("nodes", "pods")]
    naive_state = deep_size(raw_items)
    first_s, rss = process_rss(server, kubeconfig)
    server.stop()
    port.close()

    def row(label: str, ours: float, base: float, unit: str) -> None:
        ratio = f"{base / ours:6.1f}x" if ours else "   n/a"
        print(f"| {label:<34} | {ours:>14,.0f} | {base:>14,.0f} | {ratio} | {unit}")

    print(f"\nagent synced {args.nodes} nodes / {args.pods} pods in {sync_s:.1f} s (list + first snapshot); "
          f"snapshot {snap_bytes / 1e6:.2f} MB JSON, {snap_gz / 1e6:.2f} MB gzip; "
          f"{snapshots} snapshot(s) sent in {args.minutes} min of churn")
    print(f"startup (one-off): {startup['hub_requests']} hub requests / {startup['hub_bytes'] / 1e6:.2f} MB; "
          f"{startup['kube_requests']} kube requests / {startup['kube_bytes'] / 1e6:.2f} MB received")
    print(f"\n| per minute, steady state {'':<9}| {'agent':>14} | {'naive re-list':>14} | {'saving':>7}|")
    print(f"|{'-' * 36}|{'-' * 16}|{'-' * 16}|{'-' * 8}|")
    row("requests to the hub", per_min["hub_requests"], naive["hub_requests"], "req/min")
    row("bytes sent to the hub", per_min["hub_bytes"], naive["hub_bytes"], "B/min")
    row("requests to the Kubernetes API", per_min["kube_requests"], naive["kube_requests"], "req/min (+ open watches)")
    row("bytes from the Kubernetes API", per_min["kube_bytes"], naive["kube_bytes"], "B/min")
    row("state kept in memory", state, naive_state, "bytes (deep size)")
    print(f"\nreal spothive-agent process on this cluster: first snapshot after {first_s:.1f} s, RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
