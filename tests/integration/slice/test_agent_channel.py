"""The hub's side of the agent contract (docs/agent.md): actions, usage, signals, gzip, cluster checks."""

from __future__ import annotations

import gzip
import json
import threading
from datetime import UTC, datetime

import pytest

from spothive.domain.agent_actions import agent_actions_for
from tests.integration.slice.helpers import api
from tests.integration.slice.test_metrics_agent import _linked_tenant
from tests.support.wired import wired

pytestmark = pytest.mark.integration

NOW = "2026-12-01T19:40:00Z"


def _agent(client):  # type: ignore[no-untyped-def]
    tenant, cluster_id = _linked_tenant(client)
    token = client.post("/api/clusters/connect", headers=tenant.headers, json={"cluster_id": cluster_id}).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "X-SpotHive-Cluster": cluster_id}
    return tenant, cluster_id, headers


def _queue(tenant, cluster_id, job_id, *nodes):  # type: ignore[no-untyped-def]
    approved = [{"type": "drain_node", "target": n, "reason": f"consolidation: {n}"} for n in nodes]
    actions = agent_actions_for(job_id, approved, datetime.now(UTC))
    wired().agent_actions.enqueue(tenant.org_id, cluster_id, job_id, actions)
    return [a["id"] for a in actions]


def _result(action_id: str, status: str = "done") -> dict:
    return {"action_id": action_id, "type": "drain", "status": status, "reason": "drained", "done": ["cordoned"],
            "refused": [], "dry_run": False, "started_at": NOW, "finished_at": NOW,
            "agent": {"identity": "agent-0", "version": "0.1.0"}}


def test_queued_actions_are_polled_oldest_first_and_an_acknowledged_one_is_never_executed_twice(hub):  # type: ignore[no-untyped-def]
    client = api()
    tenant, cluster_id, headers = _agent(client)
    first = _queue(tenant, cluster_id, "job-a", "n1", "n2")
    second = _queue(tenant, cluster_id, "job-b", "n3")

    polled = client.get("/api/agent/actions?wait=0", headers=headers).json()["actions"]
    assert [a["id"] for a in polled] == first + second
    assert polled[0]["type"] == "drain" and polled[0]["params"] == {"node": "n1", "deadline_s": 600}

    # a result before any ack is refused
    early = client.post(f"/api/agent/actions/{first[0]}/result", headers=headers, json=_result(first[0]))
    assert early.status_code == 409
    ack = client.post(f"/api/agent/actions/{first[0]}/ack", headers=headers, json={})
    assert (ack.status_code, ack.json()) == (200, {"action_id": first[0], "state": "acknowledged", "execute": True,
                                               "safe_mode": False})
    # a second replica, a restarted agent or a replayed request: 409, do not execute
    again = client.post(f"/api/agent/actions/{first[0]}/ack", headers=headers, json={})
    assert again.status_code == 409
    assert "acknowledged" in again.json()["error"]["message"]
    assert [a["id"] for a in client.get("/api/agent/actions", headers=headers).json()["actions"]] == first[1:] + second

    key = {"Idempotency-Key": f"result-{first[0]}"}
    recorded = client.post(f"/api/agent/actions/{first[0]}/result", headers={**headers, **key}, json=_result(first[0]))
    assert recorded.json() == {"action_id": first[0], "recorded": True}
    replay = client.post(f"/api/agent/actions/{first[0]}/result", headers={**headers, **key},
                         json=_result(first[0], "failed"))
    assert (replay.status_code, replay.json()) == (200, {"action_id": first[0], "recorded": False})
    stored = {a.action_id: a for a in wired().agent_actions.stored(tenant.org_id, cluster_id)}
    assert stored[first[0]].state.value == "done"
    assert stored[first[0]].result["reason"] == "drained"  # the first result stays
    # acknowledged after done: still 409
    assert client.post(f"/api/agent/actions/{first[0]}/ack", headers=headers, json={}).status_code == 409


def test_another_clusters_token_or_action_is_403_an_unknown_token_401_an_unknown_action_404(hub):  # type: ignore[no-untyped-def]
    client = api()
    tenant, cluster_id, headers = _agent(client)
    _, other_cluster, other_headers = _agent(client)
    mine = _queue(tenant, cluster_id, "job-c", "n1")[0]

    wrong_cluster = {**headers, "X-SpotHive-Cluster": other_cluster}
    refused = client.post("/api/agent/heartbeat", headers=wrong_cluster, json={})
    assert (refused.status_code, refused.json()["error"]["field"]) == (403, "X-SpotHive-Cluster")
    assert client.get("/api/agent/actions", headers=wrong_cluster).status_code == 403
    taken = client.post(f"/api/agent/actions/{mine}/ack", headers=other_headers, json={})
    assert (taken.status_code, taken.json()["error"]["field"]) == (403, "action_id")
    assert client.post(f"/api/agent/actions/{mine}/ack", headers=headers, json={}).json()["execute"] is True
    assert client.post("/api/agent/actions/job-zzz.0/ack", headers=headers, json={}).status_code == 404
    bad_token = {"Authorization": "Bearer sh_agent_nope", "X-SpotHive-Cluster": cluster_id}
    assert client.get("/api/agent/actions", headers=bad_token).status_code == 401
    usage = {"cluster_id": other_cluster, "collected_at": NOW, "source": "metrics-server", "nodes": [], "pods": []}
    assert client.post("/api/agent/usage", headers=headers, json=usage).json()["error"]["field"] == "cluster_id"


def test_bad_input_is_422_naming_the_field(hub):  # type: ignore[no-untyped-def]
    client = api()
    _, cluster_id, headers = _agent(client)
    wait = client.get("/api/agent/actions?wait=31", headers=headers)
    assert (wait.status_code, wait.json()["error"]["field"]) == (422, "wait")
    assert client.get("/api/agent/actions?wait=soon", headers=headers).json()["error"]["field"] == "wait"
    usage = {"cluster_id": cluster_id, "collected_at": NOW, "source": "metrics-server",
             "nodes": [], "pods": [{"namespace": "web", "name": "p", "cpu_m": "lots", "memory_mib": 1}]}
    bad = client.post("/api/agent/usage", headers=headers, json=usage)
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "pods.0.cpu_m")
    signals = {"cluster_id": cluster_id, "signals": [{"id": "x", "kind": "spot_interruption", "node": "n",
                                                     "source": "taint", "observed_at": NOW}]}
    assert client.post("/api/agent/signals", headers=headers, json=signals).json()["error"]["field"] == "signals.0.id"
    result = {**_result("job-q.0"), "status": "finished"}
    bad_result = client.post("/api/agent/actions/job-q.0/result", headers=headers, json=result)
    assert (bad_result.status_code, bad_result.json()["error"]["field"]) == (422, "status")
    assert client.post("/api/agent/actions/bad id!/ack", headers=headers, json={}).status_code in (404, 422)


def test_gzip_usage_is_accepted_and_kept_as_the_clusters_latest_sample(hub):  # type: ignore[no-untyped-def]
    client = api()
    tenant, cluster_id, headers = _agent(client)
    pods = [{"namespace": "web", "name": f"web-{i}", "cpu_m": 100 + i, "memory_mib": 200} for i in range(200)]
    usage = {"cluster_id": cluster_id, "collected_at": NOW, "source": "metrics-server",
             "nodes": [{"name": "n1", "cpu_m": 1210, "memory_mib": 5230}], "pods": pods}
    body = gzip.compress(json.dumps(usage).encode())
    sent = client.post("/api/agent/usage", content=body,
                       headers={**headers, "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert (sent.status_code, sent.json()) == (202, {"accepted": True})
    latest = wired().agent_usage.latest(tenant.org_id, cluster_id)
    assert latest["pods"][199] == {"namespace": "web", "name": "web-199", "cpu_m": 299, "memory_mib": 200}
    corrupt = client.post("/api/agent/usage", content=b"\x1f\x8bnot gzip",
                          headers={**headers, "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert (corrupt.status_code, corrupt.json()["error"]["field"]) == (400, "body")


def test_spot_signals_are_deduplicated_by_id_and_flag_the_pool_in_the_hive_mind(hub):  # type: ignore[no-untyped-def]
    client = api()
    _, cluster_id, headers = _agent(client)
    now = datetime.now(UTC).isoformat()
    spot = {"id": "190dd845c29cd4d76fa64a2c", "kind": "spot_interruption", "node": "n1", "instance_type": "m5.xlarge",
            "zone": "us-east-1d", "capacity_type": "spot", "source": "taint", "observed_at": now}
    maintenance = {**spot, "id": "290dd845c29cd4d76fa64a2c", "kind": "scheduled_maintenance"}
    body = {"cluster_id": cluster_id, "signals": [spot, maintenance, spot]}
    sent = client.post("/api/agent/signals", headers=headers, json=body)
    assert (sent.status_code, sent.json()) == (202, {"accepted": 2, "duplicates": 1})
    again = client.post("/api/agent/signals", headers=headers, json={"cluster_id": cluster_id, "signals": [spot]})
    assert again.json() == {"accepted": 0, "duplicates": 1}
    flags = wired().hive_mind.lookup([("us-east-1d", "m5.xlarge")]).flags
    assert "RISK:us-east-1d:m5.xlarge" in flags
    wired().redis.delete("RISK:us-east-1d:m5.xlarge")


def test_heartbeat_answers_safe_mode_and_a_long_poll_wakes_when_actions_are_queued(hub):  # type: ignore[no-untyped-def]
    client = api()
    tenant, cluster_id, headers = _agent(client)
    beat = client.post("/api/agent/heartbeat", headers=headers, json={"cluster_id": cluster_id, "mode": "active"})
    assert beat.json() == {"cluster_id": cluster_id, "accepted": True, "safe_mode": False}

    answers: list[list[dict]] = []
    poller = threading.Thread(target=lambda: answers.append(
        client.get("/api/agent/actions?wait=4", headers=headers).json()["actions"]))
    poller.start()
    threading.Event().wait(1.0)
    queued = _queue(tenant, cluster_id, "job-w", "n9")
    wired().agent_channel.notify(tenant.org_id, cluster_id)
    poller.join(timeout=30)
    # Then the answer came from the wake-up (the store is re-read only every 5 s, after this wait ended)
    assert [a["id"] for a in answers[0]] == queued
