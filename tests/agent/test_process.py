"""The real ``spothive-agent`` process, with the real adapter, against the simulator's HTTP API and a fake hub."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from werkzeug import Request, Response

from spothive_agent.simulator import SimCluster
from spothive_agent.simulator.demo import seed_workloads
from spothive_agent.simulator.server import SimServer
from tests.agent.conftest import node
from tests.agent.fakehub import FakeHub

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def simulator(tmp_path):
    cluster = SimCluster(boot_delay_s=2)
    for i, zone in enumerate(("us-east-1a", "us-east-1b", "us-east-1c")):
        cluster.add_node(node(f"ip-10-0-{i}-10.ec2.internal", zone))
    seed_workloads(cluster)
    server = SimServer(cluster, tick_s=0.2).start()
    kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
    yield cluster, server, kubeconfig
    server.stop()


@pytest.fixture
def hub_server(httpserver):
    hub = FakeHub()

    def handle(request: Request) -> Response:
        status, doc = hub.dispatch(request.method, request.path, {k.lower(): v for k, v in request.headers.items()},
                                   request.get_data())
        return Response(json.dumps(doc), status=status, content_type="application/json")

    httpserver.expect_request(re.compile(r"^/api/agent/.*")).respond_with_handler(handle)
    return hub, httpserver.url_for("/").rstrip("/")


def start_agent(hub_url, kubeconfig, identity, metrics_port, token="sh_agent_test"):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "agent"), "SPOTHIVE_TOKEN": token}
    env.pop("KUBERNETES_SERVICE_HOST", None)
    return subprocess.Popen(
        [sys.executable, "-m", "spothive_agent", "--hub-url", hub_url, "--cluster-id", "c-123",
         "--kubeconfig", str(kubeconfig), "--identity", identity, "--metrics-port", str(metrics_port),
         "--metrics-bind", "127.0.0.1", "--heartbeat-interval", "1", "--lease-renew-interval", "1",
         "--lease-duration", "4", "--usage-interval", "2", "--actions-wait", "1", "--log-format", "text",
         "--token-file", "/nonexistent"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_agent_processes_one_leader_heartbeat_snapshot_usage_and_an_action(simulator, hub_server):
    cluster, _server, kubeconfig = simulator
    hub, hub_url = hub_server
    hub.queue("act-1", "cordon", node="ip-10-0-1-10.ec2.internal")
    ports = [free_port(), free_port()]
    agents = [start_agent(hub_url, kubeconfig, f"agent-{i}", ports[i]) for i in range(2)]
    try:
        assert wait_for(lambda: hub.snapshots and "act-1" in hub.results and hub.usage), (
            hub.calls[-10:], [a.poll() for a in agents])
        # one leader: every heartbeat comes from the same replica
        time.sleep(2)
        assert len({h["identity"] for h in hub.heartbeats}) == 1
        leader = hub.heartbeats[0]["identity"]
        snapshot = hub.snapshots[-1]
        assert snapshot["schema_version"] == 2 and len(snapshot["nodes"]) == 3
        assert {p["owner"] for p in snapshot["pods"]} >= {"web", "worker", "nightly-report", "aws-node"}
        assert hub.results["act-1"]["status"] == "done"
        assert cluster.get_node("ip-10-0-1-10.ec2.internal")["spec"]["unschedulable"] is True
        lease = cluster.get_lease("spothive-system", "spothive-agent")
        assert lease["spec"]["holderIdentity"] == leader
        # probes and metrics of both replicas
        bodies = [httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=5).json() for p in ports]
        assert sorted(b["leader"] for b in bodies) == [False, True]
        metrics = httpx.get(f"http://127.0.0.1:{ports[int(leader[-1])]}/metrics", timeout=5).text
        assert 'spothive_agent_actions_total{status="done",type="cordon"} 1.0' in metrics
        assert "spothive_agent_last_successful_sync_timestamp_seconds" in metrics
        # the leader goes away; the standby takes over within the lease duration
        agents[int(leader[-1])].terminate()
        agents[int(leader[-1])].wait(timeout=15)
        other = f"agent-{1 - int(leader[-1])}"
        assert wait_for(lambda: hub.heartbeats[-1]["identity"] == other, timeout=60)
    finally:
        for proc in agents:
            if proc.poll() is None:
                proc.terminate()
        for proc in agents:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_a_wrong_token_is_refused_and_the_agent_says_so(simulator, hub_server):
    _cluster, _server, kubeconfig = simulator
    hub, hub_url = hub_server
    port = free_port()
    proc = start_agent(hub_url, kubeconfig, "agent-x", port, token="sh_agent_wrong")
    try:
        assert wait_for(lambda: len(hub.calls) >= 2)
        assert not hub.heartbeats and not hub.snapshots
        def metrics_text():
            return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text

        assert wait_for(lambda: "spothive_agent_hub_errors_total{" in metrics_text())
        metrics = metrics_text()
        assert 'spothive_agent_hub_errors_total{endpoint="heartbeat"}' in metrics
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert "hub heartbeat failed: hub 401: unknown agent token" in out


def test_start_local_cluster_runs_the_agent_against_the_simulator(tmp_path, hub_server):
    from spothive_agent.simulator import nodes_from_ec2_instances
    from spothive_agent.simulator.local import start_local_cluster

    hub, hub_url = hub_server
    catalog = {"m5.large": {"alloc_cpu_cores": 1.93, "alloc_memory_mib": 7220, "alloc_pods": 29}}
    instances = [{"InstanceId": f"i-{i}", "InstanceType": "m5.large", "PrivateDnsName": f"ip-10-0-0-{i}.ec2.internal",
                  "Placement": {"AvailabilityZone": f"us-east-1{'ab'[i % 2]}"}, "State": {"Name": "running"},
                  "Tags": [{"Key": "eks:cluster-name", "Value": "demo"}]} for i in range(3)]
    local = start_local_cluster(nodes_from_ec2_instances(instances, catalog, cluster="demo"), hub_url=hub_url,
                                cluster_id=hub.cluster_id, token=hub.token, state_dir=tmp_path,
                                agent_args=("--heartbeat-interval", "1", "--usage-interval", "2"))
    try:
        assert wait_for(lambda: hub.heartbeats and hub.snapshots and hub.usage)
        assert sorted(n["name"] for n in hub.snapshots[-1]["nodes"]) == [f"ip-10-0-0-{i}.ec2.internal" for i in range(3)]
        assert httpx.get(f"{local.metrics_url}/healthz", timeout=5).json()["leader"] is True
    finally:
        local.stop()
    assert local.agent.returncode == 0
