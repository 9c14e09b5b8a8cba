"""Executor faults end to end over moto (the optimization state machine as CDK deploys it): EC2 throttling
every terminate, the same execution input run a second time, and a wave gone stale mid-job re-planning.
Each case asserts the final state: no node removed without a Ready replacement, nothing left cordoned,
nothing launched that the job does not record, no call made twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from spothive.adapters.aws.capacity import StsCapacityCloud
from spothive.services.execution_access import ClusterAccess
from spothive.wiring import accounts, configuration, inventory, kernel, optimization
from tests.integration.workflows import test_execution_flow as flow
from tests.integration.workflows.agent_double import AgentDouble
from tests.integration.workflows.test_execution_flow import Cluster, approve_and_run, ledger, preview, snapshot_of

pytestmark = pytest.mark.integration
#: The execution flow's fixtures: a linked cluster of three idle nodes with a token, SAFE_MODE off.
cluster, safe_mode_off = flow.cluster, flow.safe_mode_off

_TERMINATES = ("TerminateInstances", "TerminateInstanceInAutoScalingGroup")


class _Response:
    """The HTTP half of a short-circuited botocore call (what ``Stubber`` hands back)."""

    status_code = 400
    headers: dict[str, str] = {}
    raw = None
    text = ""
    content = b""


class CountingCloud:
    """The real ``StsCapacityCloud``, with every gateway's EC2 and Auto Scaling clients watched: each
    CreateFleet and terminate call is counted, and while ``throttle`` is set a terminate is answered
    ``Throttling`` before it leaves the client (as EC2 does once the client's own retries give up)."""

    def __init__(self, region: str) -> None:
        self._inner = StsCapacityCloud(region)
        self.calls: list[tuple[str, str]] = []
        self.throttled: list[str] = []
        self.throttle = False

    def open(self, role_arn: str, external_id: str, region: str) -> Any:
        gateway = self._inner.open(role_arn, external_id, region)
        for client in (gateway._ec2, gateway._asg):
            client.meta.events.register("before-call", self._before)
        return gateway

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        if model.name in _TERMINATES and self.throttle:
            self.throttled.append(str(params.get("InstanceIds") or params.get("InstanceId")))
            return _Response(), {"Error": {"Code": "Throttling", "Message": "Rate exceeded"},
                                 "ResponseMetadata": {"HTTPStatusCode": 400}}
        if model.name in (*_TERMINATES, "CreateFleet"):
            self.calls.append((model.name, str(params.get("InstanceIds") or params.get("InstanceId") or "")))
        return None

    def count(self, *names: str) -> int:
        return sum(1 for name, _ in self.calls if name in names)


@pytest.fixture
def cloud(stack) -> Iterator[CountingCloud]:  # type: ignore[no-untyped-def]
    counting = CountingCloud(kernel.core().region)
    optimization.cluster_access.set_override(ClusterAccess(inventory.repo(), accounts.tenancy(), counting,
                                                           configuration.policy_repo()))
    yield counting  # the package's fresh_overrides fixture drops the override


def states(c: Cluster) -> dict[str, str]:
    return {i: x["State"]["Name"] for i, x in c.instances().items()}


def assert_nothing_left_cordoned(agent: AgentDouble, c: Cluster) -> None:
    """Every node the agent cordoned is gone from EC2 or was uncordoned afterwards."""
    agent.step()  # take whatever the last step queued (a rollback's uncordons)
    by_node = {x["PrivateDnsName"]: x["State"]["Name"] for x in c.instances().values()}
    for n, action in enumerate(agent.seen):
        if action["type"] != "cordon":
            continue
        node = action["params"]["node"]
        later = [a for a in agent.seen[n:] if a["type"] == "uncordon" and a["params"]["node"] == node]
        assert later or by_node.get(node) in ("shutting-down", "terminated"), f"{node} left cordoned"


def test_terminate_throttled_past_its_retries_keeps_every_node_and_reports_it(
        stack, client, cluster, cache, safe_mode_off, cloud) -> None:  # type: ignore[no-untyped-def]
    # Given an approved plan and EC2 answering every terminate with Throttling
    planned = preview(stack, client, cluster)
    before = states(cluster)
    cloud.throttle = True
    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache)
    # When the job runs (the state machine retries DependencyFailed 3 times, then rolls the wave back)
    described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    # Then the job failed and says why
    assert described["status"] == "FAILED"
    assert job["status"] == "failed" and "Throttling" in job["error"]
    wave = job["progress"]["waves"][0]
    assert wave["stage"] == "rolled_back" and "Throttling" in wave["rollback"]["error"]
    assert len(cloud.throttled) == 4  # the first try and the 3 retries of the Terminate state
    # And no node was removed; the Ready replacement stays (capacity is higher, never lower)
    after = states(cluster)
    assert all(after[i] == "running" for i in before)
    assert wave["launched"] and all(after[x["instance_id"]] == "running" for x in wave["launched"])
    assert wave["rollback"]["replacements_kept"] == [x["node"] for x in wave["launched"]]
    assert set(after) - set(before) == {x["instance_id"] for x in wave["launched"]}  # nothing orphaned
    assert cloud.count(*_TERMINATES) == 0
    # And the drained node takes pods again; the ledger holds the rollback and no removal
    assert_nothing_left_cordoned(agent, cluster)
    actions = [r.action for r in ledger(cluster)]
    assert "execution.rolled_back" in actions and "optimization.failed" in actions
    assert not {"execution.replaced", "execution.removed"} & set(actions)


def test_the_same_execution_input_run_again_does_nothing_twice(
        stack, client, cluster, cache, safe_mode_off, cloud) -> None:  # type: ignore[no-untyped-def]
    # Given an approved job carried out to the end
    planned = preview(stack, client, cluster)
    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache)
    described, job = approve_and_run(stack, client, cluster, agent, planned["job_id"])
    assert described["status"] == "SUCCEEDED", described
    fleets, terminates = cloud.count("CreateFleet"), cloud.count(*_TERMINATES)
    retired = [t for w in job["progress"]["waves"] for t in w["terminated"] if not t.get("added")]
    assert fleets == sum(len(w["launched"]) for w in job["progress"]["waves"]) and terminates == len(retired)
    instances, records, seen = states(cluster), [r.action for r in ledger(cluster)], len(agent.seen)
    # When the same input runs again as a new execution (a re-drive) ...
    again = stack.start_execution("optimization", json.loads(described["input"]))
    second = agent.run_until(stack, again)
    # ... and a wave step is re-invoked after a timeout
    payload = {**json.loads(described["input"]), "wave": {"index": 0}}
    launched = stack.invoke("opt-wave", {**payload, "step": "cordon_and_launch"})
    terminated = stack.invoke("opt-wave", {**payload, "step": "terminate"})
    # Then nothing ran twice: no Fleet launch, no terminate, no agent action, no new ledger record
    assert second["status"] == "SUCCEEDED", second
    assert json.loads(second["output"])["execution"]["already_planned"] is True
    assert launched["already"] == "terminated" and terminated["wave"] == 0
    assert (cloud.count("CreateFleet"), cloud.count(*_TERMINATES)) == (fleets, terminates)
    assert states(cluster) == instances
    assert len(agent.seen) == seen
    assert [r.action for r in ledger(cluster)] == records
    mine = [r.action for r in ledger(cluster) if (r.after or {}).get("job_id") == job["job_id"]]
    assert mine.count("optimization.completed") == 1 and mine.count("execution.realized") == 1
    again_job = client.get(f"/api/clusters/{cluster.cluster_id}/jobs/{job['job_id']}",
                           headers=cluster.tenant.headers).json()
    assert again_job["status"] == "succeeded" and again_job["progress"]["realized"] == job["progress"]["realized"]


def test_a_wave_gone_stale_mid_job_plans_again_and_finishes(
        stack, client, cluster, cache, safe_mode_off, cloud) -> None:  # type: ignore[no-untyped-def]
    # Given a job started to execute at once (as automation starts them; an approved preview never re-plans)
    before = states(cluster)
    changed: dict[str, str] = {}

    def interrupt_next_wave(action: dict[str, Any]) -> tuple[str, str]:
        # during wave 0's drain a node the next wave retires disappears (a Spot interruption, an
        # autoscaler) and the agent's next snapshot shows it gone, as is wave 0's node once terminated
        if action["type"] == "drain" and ".w0." in action["id"] and not changed:
            job_id = action["id"].split(".w0.")[0]
            waves = client.get(f"/api/clusters/{cluster.cluster_id}/jobs/{job_id}",
                               headers=cluster.tenant.headers).json()["progress"]["waves"]
            assert len(waves) > 1, "the plan needs a second wave for this case"
            by_node = {x["PrivateDnsName"]: i for i, x in cluster.instances().items()}
            changed.update(gone=by_node[waves[1]["retire"][0]], drained=by_node[waves[0]["retire"][0]])
            cluster.ec2().terminate_instances(InstanceIds=[changed["gone"]])
            fresh = snapshot_of(cluster, "after-interruption")
            fresh["nodes"] = [n for n in fresh["nodes"]
                              if n["labels"]["spothive.io/instance-id"] != changed["drained"]]
            fresh["pods"] = [p for p in fresh["pods"] if p["node"] in {n["name"] for n in fresh["nodes"]}]
            put = client.put(f"/api/clusters/{cluster.cluster_id}/snapshot", headers=cluster.tenant.headers,
                             json=fresh)
            assert put.status_code == 200, put.text
        return "done", f"{action['type']} {action['params'].get('node')} done"

    agent = AgentDouble(client, cluster.token, cluster.cluster_id, cache, interrupt_next_wave)
    # When the job runs and wave 1 is found stale before it starts
    agent.beat()
    started = client.post(f"/api/clusters/{cluster.cluster_id}/optimize", headers=cluster.tenant.headers,
                          json={"dry_run": False})
    assert started.status_code == 202, started.text
    described = agent.run_until(stack, started.json()["execution_arn"])
    job = client.get(f"/api/clusters/{cluster.cluster_id}/jobs/{started.json()['job_id']}",
                     headers=cluster.tenant.headers).json()
    # Then the job re-planned on the fresh snapshot instead of failing, and says so
    assert described["status"] == "SUCCEEDED", described
    assert job["status"] == "succeeded"
    waves = job["progress"]["waves"]
    assert waves[0]["stage"] == "terminated" and waves[1]["stage"] == "superseded"
    assert all(w["stage"] in ("terminated", "superseded") for w in waves)
    replans = job["decisions"]["execution"]["wave_replans"]
    assert [(r["number"], r["wave"]) for r in replans] == [(1, 1)]
    assert job["progress"]["replans"] == replans  # the job view shows them beside the waves
    assert "is no longer in the cluster" in replans[0]["reason"]
    records = ledger(cluster, "execution.replanned")
    assert len(records) == 1 and "planning again on the fresh snapshot" in records[0].reason
    # And the new waves were numbered after the old ones (their action ids and launch slots are new)
    assert [w["index"] for w in waves] == list(range(len(waves)))
    # And the final state is safe: only drained nodes are gone, every launch is recorded, nothing cordoned
    after = states(cluster)
    launched = {x["instance_id"] for w in waves for x in w["launched"]}
    retired = {t["instance_id"] for w in waves for t in w["terminated"] if not t.get("added")}
    assert set(after) - set(before) == launched and all(after[i] == "running" for i in launched - retired)
    # (a re-plan may also retire a node wave 0 launched: it is then one of the job's own moves)
    assert {i for i, state in after.items() if state != "running"} == retired | {changed["gone"]}
    assert cloud.count(*_TERMINATES) == len(retired)
    assert_nothing_left_cordoned(agent, cluster)
    assert client.get("/api/audit/verify", headers=cluster.tenant.headers).json()["ok"] is True
