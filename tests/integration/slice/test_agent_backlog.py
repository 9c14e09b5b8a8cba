"""The agents' action backlog on DynamoDB: counted by the enqueue, acknowledge, result and withdraw paths in
the same transactions as the state changes, read with one Query of the unexpired buckets, shown in worker
health."""

from __future__ import annotations

import uuid

import pytest

from spothive.adapters.dynamo.action_backlog import BACKLOG_PARTITION, ActionCountModel, counter_key
from spothive.adapters.dynamo.agent_actions import AgentActionModel, cluster_key
from spothive.domain.worker_health import ActionBacklog
from tests.integration.slice.helpers import api
from tests.integration.slice.test_agent_channel import _agent, _queue, _result
from tests.integration.slice.test_impersonation import _admin
from tests.support.wired import wired

pytestmark = pytest.mark.integration


def test_enqueue_three_ack_and_finish_one_leaves_two_and_replays_change_nothing(hub):  # type: ignore[no-untyped-def]
    client = api()
    tenant, cluster_id, headers = _agent(client)
    actions = wired().agent_actions
    before = actions.backlog()

    # Given three actions queued for the cluster (and the same three queued again by a retried step)
    ids = _queue(tenant, cluster_id, f"job-{uuid.uuid4().hex[:6]}", "n1", "n2", "n3")
    assert actions.cluster_backlog(tenant.org_id, cluster_id) == ActionBacklog(queued=3, in_flight=0)

    # When the agent acknowledges one: it is in flight
    assert client.post(f"/api/agent/actions/{ids[0]}/ack", headers=headers, json={}).status_code == 200
    assert actions.cluster_backlog(tenant.org_id, cluster_id) == ActionBacklog(queued=2, in_flight=1)
    # And reports its result (then a second replica acks it and the result is replayed)
    assert client.post(f"/api/agent/actions/{ids[0]}/result", headers=headers, json=_result(ids[0])).status_code == 200
    assert client.post(f"/api/agent/actions/{ids[0]}/ack", headers=headers, json={}).status_code == 409
    assert client.post(f"/api/agent/actions/{ids[0]}/result", headers=headers,
                       json=_result(ids[0], "failed")).json()["recorded"] is False

    # Then two are pending for the cluster, and the total moved by exactly as much
    mine = actions.cluster_backlog(tenant.org_id, cluster_id)
    assert (mine, mine.pending) == (ActionBacklog(queued=2, in_flight=0), 2)
    after = actions.backlog()
    assert (after.queued - before.queued, after.in_flight - before.in_flight) == (2, 0)

    # When the workflow withdraws the two still queued (twice: a retried compensation)
    for _ in range(2):
        actions.withdraw(tenant.org_id, cluster_id, ids[1:])

    # Then nothing is pending and nothing went below zero
    assert actions.cluster_backlog(tenant.org_id, cluster_id) == ActionBacklog(0, 0)
    assert actions.backlog() == before
    # And the counters are never mistaken for an action
    assert actions.find("#total") is None
    assert [a.action_id for a in actions.stored(tenant.org_id, cluster_id)] == sorted(ids)


def test_an_action_stored_before_counting_began_never_makes_the_backlog_negative(hub):  # type: ignore[no-untyped-def]
    client = api()
    tenant, cluster_id, headers = _agent(client)
    actions = wired().agent_actions
    # Given an action queued before counting began: stored without a bucket, the cluster's counters never saw it
    ids = _queue(tenant, cluster_id, f"job-{uuid.uuid4().hex[:6]}", "n1")
    stored = AgentActionModel.get(cluster_key(tenant.org_id, cluster_id), ids[0])
    assert stored.state == "queued"
    stored.update(actions=[AgentActionModel.backlog_day.remove()])
    prefix = counter_key(tenant.org_id, cluster_id)
    for counter in ActionCountModel.query(BACKLOG_PARTITION, ActionCountModel.action_id.startswith(prefix)):
        counter.delete()

    # When it is acknowledged and finished
    assert client.post(f"/api/agent/actions/{ids[0]}/ack", headers=headers, json={}).status_code == 200
    assert client.post(f"/api/agent/actions/{ids[0]}/result", headers=headers, json=_result(ids[0])).status_code == 200

    # Then its changes moved no counter: the cluster's backlog is zero, not below
    counted = actions.cluster_backlog(tenant.org_id, cluster_id)
    assert (counted.queued, counted.in_flight, counted.pending) == (0, 0, 0)


def test_worker_health_shows_the_backlog_and_the_hive_minds_flag_ttls(hub):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from spothive.adapters.cache.interruption_history import RedisInterruptionHistory
    from spothive.wiring import kernel

    client = api()
    tenant, cluster_id, _ = _agent(client)
    total = wired().agent_actions.backlog()
    _queue(tenant, cluster_id, f"job-{uuid.uuid4().hex[:6]}", "n1", "n2")
    # Given a family whose interruptions came in three waves of 6, 12 and 90 minutes over the last days
    family = f"zz{uuid.uuid4().hex[:4]}"
    history, start = RedisInterruptionHistory(kernel.cache()), datetime.now(UTC) - timedelta(days=3)
    for day, minutes in enumerate((6, 12, 90)):
        for offset in (0, minutes):
            history.record(family, start + timedelta(days=day, minutes=offset))

    body = client.get("/api/admin/health/workers", headers=_admin(client)).json()

    # Then the backlog is the total plus the two just queued, with its light
    pending = total.pending + 2
    assert body["agent_actions"] == {"pending": pending, "queued": max(0, total.queued) + 2,
                                     "in_flight": max(0, total.in_flight),
                                     "status": "green" if pending < 100 else body["agent_actions"]["status"]}
    # And the family's flag TTL is the p75 wave (90 min) with its evidence
    (row,) = [r for r in body["hive_mind"] if r["family"] == family]
    assert row == {"family": family, "ttl_seconds": 5400, "basis": "tuned", "events": 6, "waves": 3,
                   "p75_wave_minutes": 90.0, "evidence": "p75 of 3 waves is 90.0 min"}
