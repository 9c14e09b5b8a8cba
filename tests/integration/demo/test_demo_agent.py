"""The demo with its agent: a real ``spothive-agent`` process on the simulated demo cluster, against the API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from spothive.domain.agent_actions import agent_actions_for
from spothive.local import demo
from spothive.local.runtime import LocalConfig, LocalStack
from spothive.wiring import agents, inventory

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # its own tables and customer account: the emulator's state outlives the other demo module's stack
    config = LocalConfig.ephemeral(tmp_path_factory.mktemp("demo-agent"), serve_api=True, agent=True,
                                   prefix="demoagent")
    with LocalStack(config) as running:
        yield running


@pytest.mark.timeout(900)  # the demo now carries its plan out: six waves of boot, Ready and drain
def test_the_agent_turns_verify_green_and_its_snapshot_drives_the_projection(stack: LocalStack) -> None:
    lines: list[str] = []
    # When the demo connects its cluster (no snapshot is uploaded by hand on this path)
    result = demo.run(stack, out=lines.append, aws_account="310987654321")
    text = "\n".join(lines)
    seen = result["agent"]
    cluster_id = result["clusters"][0]["cluster_id"]
    org_id = stack._attached[0].org_id
    # Then the heartbeat made verify green (the demo waits at most 60 s for it)
    assert seen["verify"]["status"] == "green"
    assert "Heartbeat: verify is green" in text
    # And the snapshot the hub keeps is the agent's: 20 moto nodes, the demo workloads, its PDBs
    stored = seen["snapshot"]  # as the agent first reported it (the execution below changes the cluster)
    assert inventory.snapshots().latest(org_id, cluster_id)["agent_version"]
    assert stored["agent_version"] and stored["schema_version"] == 2
    assert len(stored["nodes"]) == 20
    assert {n["instance_type"] for n in stored["nodes"]} >= {"m5.xlarge", "c6g.xlarge", "g4dn.xlarge"}
    assert {(p["namespace"], p["name"]) for p in stored["pdbs"]} >= {("web", "web"), ("shop", "checkout")}
    workloads = {p["owner"] for p in stored["pods"] if p.get("owner_kind") != "DaemonSet"}
    assert {"web", "worker", "checkout", "catalog", "cart-cache", "inference"} <= workloads
    # And the projection is the planner's, over that snapshot
    assert seen["projection"]["basis"] == "planner"
    assert seen["projection"]["optimized"] < seen["projection"]["unoptimized"]
    # And usage flows: metrics-server samples for the pods the simulator runs
    usage = agents.usage().latest(org_id, cluster_id)
    assert usage["source"] == "metrics-server" and len(usage["pods"]) >= 40
    # And the install command printed is the checkout's chart with the token in a Secret
    assert "agent/chart" in text and "api.existingSecret=spothive-agent-token" in text
    # And Optimize Now ran for real with SAFE_MODE off: instances replaced in moto, pods Running on the
    # new nodes, the KPI lower by the realized saving, every step in a ledger whose chain is intact
    executed = result["execution"]
    job = executed["job"]
    assert job["status"] == "succeeded" and job["dry_run"] is False
    assert "SAFE_MODE for the cluster: off" in text
    launched = [x for w in job["progress"]["waves"] for x in w["launched"]]
    assert launched and all(x["capacity_type"] in ("spot", "on-demand") for x in launched)
    assert executed["pods"]["pending"] == 0 and executed["pods"]["on_new"] > 0
    realized = job["progress"]["realized"]["saving_per_month"]
    drop = executed["kpi_before"]["monthly_spend"] - executed["kpi_after"]["monthly_spend"]
    assert realized > 0 and abs(drop - realized) < 0.05 * realized
    activity = job["progress"]["activity"]
    assert any(line.startswith("Removed ") and "cheaper capacity" in line for line in activity)
    assert any(line.startswith(("Added ", "Replaced ")) and "Spot" in line for line in activity)
    assert result["ledger"]["ok"] is True


def test_an_action_queued_by_the_hub_is_carried_out_once_by_the_agent_and_its_result_kept(stack: LocalStack) -> None:
    # Given the connected demo cluster and one of the nodes it still runs after the demo's optimization
    demo_agent = stack._attached[0]
    org_id, cluster_id = demo_agent.org_id, demo_agent.cluster_id
    node = inventory.snapshots().latest(org_id, cluster_id)["nodes"][0]["name"]
    actions = agent_actions_for("job-demo", [{"type": "replace_with_spot", "target": node, "reason": "Spot"}],
                                datetime.now(UTC))
    # When the hub queues a cordon and wakes the agent's long-poll
    agents.actions().enqueue(org_id, cluster_id, "job-demo", actions)
    agents.wake().notify(org_id, cluster_id)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        stored = {a.action_id: a for a in agents.actions().stored(org_id, cluster_id)}["job-demo.0"]
        if stored.result is not None:
            break
        time.sleep(1)
    # Then the agent acknowledged it, cordoned the node in the simulator and reported what it did
    assert stored.state.value == "done", stored.result
    assert any(node in line and "cordoned" in line for line in stored.result["done"])
    sim_node = demo_agent.local.cluster.store.objects["nodes"][node]
    assert sim_node["spec"].get("unschedulable") is True
    assert any(t["key"] == "spothive.io/disrupted" for t in sim_node["spec"].get("taints", []))
    # And nothing is left to poll: a repeat ack is refused, so it cannot run twice
    assert agents.channel().poll(org_id, cluster_id, 0) == []


def test_stopping_the_stack_stops_the_agent_and_the_simulator(stack: LocalStack) -> None:
    running = stack._attached[0].local
    stack._stop_attached()
    assert running.agent is not None and running.agent.poll() is not None
    assert stack._attached == []
