"""The agents' action backlog on DynamoDB (moto): bucketed by each action's expiry day, so an action queued
and never taken stops counting once it expired; the total is sharded, so two clusters seldom share an item."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.adapters.dynamo import action_backlog
from spothive.adapters.dynamo.action_backlog import BACKLOG_PARTITION, ActionCountModel
from spothive.adapters.dynamo.agent_actions import RETENTION, AgentActionModel, DynamoAgentActions, cluster_key
from spothive.domain.worker_health import ActionBacklog
from tests.support.fakes import FixedClock


@pytest.fixture
def actions(tables, clock: FixedClock) -> DynamoAgentActions:  # type: ignore[no-untyped-def]
    return DynamoAgentActions(now=clock.now)


def queue(actions: DynamoAgentActions, cluster_id: str, *nodes: str) -> list[str]:
    ids = [f"job-1.w0.cordon.{n}" for n in range(len(nodes))]
    actions.enqueue("org-1", cluster_id, "job-1", [{"id": i, "type": "cordon", "node": n} for i, n in zip(ids, nodes)])
    return ids


def test_state_changes_move_the_cluster_and_the_total_and_replays_move_nothing(actions, clock):
    # Given three actions queued for c-1 (and queued again by a retried step)
    ids = queue(actions, "c-1", "n1", "n2", "n3")
    queue(actions, "c-1", "n1", "n2", "n3")
    # When one is acknowledged (twice) and finished (twice)
    for _ in range(2):
        actions.acknowledge("org-1", "c-1", ids[0], clock.now())
    for _ in range(2):
        actions.record_result("org-1", "c-1", ids[0], {"status": "done"}, clock.now())
    # Then two are pending for the cluster and in the total
    assert actions.cluster_backlog("org-1", "c-1") == actions.backlog() == ActionBacklog(queued=2, in_flight=0)
    # And withdrawing the two (twice: a retried compensation) leaves nothing, never below zero
    for _ in range(2):
        actions.withdraw("org-1", "c-1", ids[1:])
    assert actions.cluster_backlog("org-1", "c-1") == actions.backlog() == ActionBacklog(0, 0)


def test_an_action_never_taken_stops_counting_once_its_expiry_day_is_over(actions, clock):
    # Given an action queued and never acknowledged (its agent is gone), and one queued a day later
    queue(actions, "c-1", "n1")
    clock.advance(timedelta(days=1))
    queue(actions, "c-2", "n9")
    assert actions.backlog() == ActionBacklog(queued=2)
    # When the first one's retention has run out and its expiry day is over
    clock.advance(RETENTION)
    # Then it counts neither for its cluster nor in the total, while the younger one still counts
    assert actions.cluster_backlog("org-1", "c-1") == ActionBacklog(0, 0)
    assert actions.cluster_backlog("org-1", "c-2") == ActionBacklog(queued=1)
    assert actions.backlog() == ActionBacklog(queued=1)
    # And its counter items carry a TTL, so the table deletes them too
    counters = list(ActionCountModel.query(BACKLOG_PARTITION))
    assert counters and all(c.expires_at is not None for c in counters)


def test_two_clusters_in_different_shards_never_touch_the_same_counter(actions):
    # Given two clusters whose totals land in different shards
    assert action_backlog._shard("org-1", "c-1") != action_backlog._shard("org-1", "c-3")
    # When each queues an action
    queue(actions, "c-1", "n1")
    queue(actions, "c-3", "n1")
    # Then four counter items exist (two clusters' and two shards of the total), none named #total alone
    keys = sorted(c.action_id for c in ActionCountModel.query(BACKLOG_PARTITION))
    assert len(keys) == 4 and action_backlog.TOTAL not in keys
    assert actions.backlog() == ActionBacklog(queued=2)


def test_an_action_stored_before_the_buckets_moves_no_counter(actions, clock):
    # Given an action stored without a bucket, as actions were before counting by expiry day
    (aid,) = queue(actions, "c-1", "n1")
    AgentActionModel(cluster_key("org-1", "c-1"), aid).update(actions=[AgentActionModel.backlog_day.remove()])
    before = actions.cluster_backlog("org-1", "c-1")
    # When it is acknowledged and finished
    assert actions.acknowledge("org-1", "c-1", aid, clock.now()).execute
    assert actions.record_result("org-1", "c-1", aid, {"status": "done"}, clock.now()).recorded
    # Then the counters did not move (its enqueue was counted, its later changes are not): never negative
    assert actions.cluster_backlog("org-1", "c-1") == before == ActionBacklog(queued=1)
