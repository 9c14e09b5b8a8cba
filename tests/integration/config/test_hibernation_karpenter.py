"""Karpenter hibernation end to end: the worker (on the emulator) queues the action, the real agent executor
carries it out on the simulated cluster after pulling it through the agent API, its report is recorded, and
the wake puts back exactly the NodePool limits the sleep saved."""

from __future__ import annotations

from typing import Any

import pytest

from functions import worker_hibernation
from spothive.adapters.cache.safe_mode import SAFE_MODE_KEY
from spothive_agent.actions import Executor
from spothive_agent.clock import FakeClock
from spothive_agent.inventory import Inventory
from spothive_agent.metrics import AgentMetrics
from spothive_agent.simulator import NodeSpec, SimCluster
from tests.integration.config.helpers import last_audit
from tests.integration.slice.helpers import api
from tests.integration.slice.test_metrics_agent import _linked_tenant
from tests.support.wired import wired

pytestmark = pytest.mark.integration

MANAGED = {"app.kubernetes.io/managed-by": "spothive"}
LIMITS = {"cpu": "64", "memory": "256Gi"}
M5 = {"cpu": "1930m", "memory": "7220Mi", "pods": "29"}


class TickingClock(FakeClock):
    """The agent's clock: each sleep lets the simulated cluster (and its Karpenter) act."""

    cluster: SimCluster | None = None

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        if self.cluster is not None:
            self.cluster.tick()


class ClusterAgent:
    """The agent's executor on a simulated Karpenter cluster, fed through the hub's agent routes."""

    def __init__(self, client: Any, token: str, cluster_id: str, safe_mode: bool = False) -> None:
        self.client, self.cluster_id = client, cluster_id
        self.headers = {"Authorization": f"Bearer {token}", "X-SpotHive-Cluster": cluster_id}
        clock = TickingClock()
        self.cluster = SimCluster(clock=clock)
        clock.cluster = self.cluster
        self.cluster.add_nodepool("spothive-general", LIMITS, MANAGED)
        for name in ("kp-1", "kp-2"):
            self.cluster.add_karpenter_node(NodeSpec(name, "m5.large", "us-east-1a", M5), "spothive-general")
        self.cluster.workloads.add_deployment("web", "web", 2, cpu="200m", memory="256Mi")
        inventory = Inventory(self.cluster, clock)
        self.executor = Executor(self.cluster, inventory, clock, AgentMetrics(), identity="agent-0",
                                 dry_run=lambda: False, safe_mode=lambda: None, refresh=inventory.pump,
                                 karpenter_enabled=True)
        self.results: list[dict[str, Any]] = []

    def step(self) -> list[dict[str, Any]]:
        """Poll, acknowledge, execute and report every queued action; the actions seen."""
        page = self.client.get("/api/agent/actions?wait=0", headers=self.headers)
        assert page.status_code == 200, page.text
        actions = page.json()["actions"]
        for action in actions:
            ack = self.client.post(f"/api/agent/actions/{action['id']}/ack", headers=self.headers)
            assert ack.status_code == 200 and ack.json()["execute"], ack.text
            result = self.executor.execute(action)
            self.results.append(result)
            posted = self.client.post(f"/api/agent/actions/{action['id']}/result", headers=self.headers, json=result)
            assert posted.status_code == 200, posted.text
        return actions

    def limits(self) -> Any:
        return self.cluster.custom_objects("nodepools")["spothive-general"]["spec"].get("limits")


def _connected(client: Any) -> tuple[Any, str, ClusterAgent]:
    tenant, cluster_id = _linked_tenant(client)
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    return tenant, cluster_id, ClusterAgent(client, token, cluster_id)


def _status(client: Any, tenant: Any, cluster_id: str) -> dict[str, Any]:
    got = client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers)
    assert got.status_code == 200, got.text
    return dict(got.json())


def test_a_karpenter_cluster_sleeps_through_its_agent_and_wakes_to_its_exact_limits(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id, agent = _connected(client)
    # Given the cluster is scheduled asleep through Karpenter
    saved = client.post("/api/hibernation/schedule", headers=tenant.headers, json={
        "cluster_id": cluster_id, "schedule_matrix": [0] * 168, "timezone": "UTC", "target": "karpenter"})
    assert saved.status_code == 200 and saved.json()["target"] == "karpenter", saved.text
    # When the worker runs, a sleep is queued and the schedule waits for the agent
    first = worker_hibernation.handler({})
    assert f"{tenant.org_id}/{cluster_id}:pending" in first["transitions"]
    assert _status(client, tenant, cluster_id)["applied_state"] == "pending"
    # When the agent pulls and carries it out
    actions = agent.step()
    assert [(a["type"], a["params"]["mode"]) for a in actions] == [("hibernate_karpenter", "sleep")]
    assert agent.results[-1]["status"] == "done", agent.results[-1]["reason"]
    assert agent.limits() == {"cpu": "0", "memory": "0"}
    assert agent.cluster.custom_objects("nodeclaims") == {}
    # Then the next tick records the cluster asleep with the limits to restore
    worker_hibernation.handler({})
    status = _status(client, tenant, cluster_id)
    assert (status["applied_state"], status["nodepool_limits"], status["last_error"]) == (
        "asleep", {"spothive-general": LIMITS}, None)
    done = last_audit(tenant.org_id, "hibernation.sleep.done")
    assert sorted(done.after["nodeclaims_deleted"]) == ["kp-1-claim", "kp-2-claim"]  # type: ignore[index]
    # When a manual wake is asked for and the agent carries out the wake the worker queues
    woke = client.post("/api/hibernation/override", headers=tenant.headers,
                       json={"cluster_id": cluster_id, "duration_minutes": 30})
    assert woke.status_code == 200, woke.text
    worker_hibernation.handler({})
    actions = agent.step()
    assert actions[0]["params"]["limits"] == {"spothive-general": LIMITS}
    worker_hibernation.handler({})
    # Then the NodePool has exactly its limits again and the schedule is awake
    assert agent.limits() == LIMITS
    assert _status(client, tenant, cluster_id)["applied_state"] == "awake"


def test_with_safe_mode_on_the_sleep_is_a_dry_run_and_no_action_is_queued(hub: dict[str, str]) -> None:
    client = api()
    tenant, cluster_id, agent = _connected(client)
    client.post("/api/hibernation/schedule", headers=tenant.headers, json={
        "cluster_id": cluster_id, "schedule_matrix": [0] * 168, "timezone": "UTC", "target": "karpenter"})
    # Given SAFE_MODE is on
    redis = wired().redis
    redis.set(SAFE_MODE_KEY, "TRUE")
    try:
        result = worker_hibernation.handler({})
    finally:
        redis.delete(SAFE_MODE_KEY)
    # Then the sleep is an audited dry run, the agent finds nothing to do and the NodePool keeps its limits
    assert f"{tenant.org_id}/{cluster_id}:dry_run" in result["transitions"]
    assert agent.step() == []
    assert agent.limits() == LIMITS
    record = last_audit(tenant.org_id, "hibernation.sleep")
    assert (record.after["dry_run"], record.reason) == (  # type: ignore[index]
        True, "SAFE_MODE is on (global SAFE_MODE on): logged only, no agent action")
    assert _status(client, tenant, cluster_id)["applied_state"] == "dry_run"
