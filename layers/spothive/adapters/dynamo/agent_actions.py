"""Agent actions on the ``agent-actions`` table (``cluster_key`` = ``org#cluster`` / ``action_id``).

Every state change is a conditional write, so two acknowledgements (two replicas, a restarted agent, a
replayed request) cannot both win and a result is kept once. ``queued_cluster`` is set only while the
action is queued: the sparse ``by_queued`` index is the long-poll's oldest-first list of open actions.
Each state change also moves the backlog counters of the action's expiry day in the same transaction
(``action_backlog``); an action stored before the counters were bucketed (no ``backlog_day``) moves none.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import action_backlog, models, schema
from spothive.domain.agent_actions import FINAL_STATES, AckOutcome, ActionState, ResultOutcome, StoredAction
from spothive.domain.agent_link import Enqueued, Withdrawn
from spothive.domain.errors import ServiceUnavailable
from spothive.domain.worker_health import ActionBacklog

#: How long an action stays readable after it was queued.
RETENTION = timedelta(days=30)
_CONDITION_FAILED = "ConditionalCheckFailed"
#: Every state change also ADDs to its cluster's counter and a shard of the total, so two transactions at
#: once (two agents acknowledging) may cancel one with ``TransactionConflict``: nothing was written, so it
#: is tried again.
_CONFLICT = "TransactionConflict"
CONFLICT_ATTEMPTS = 5
_pause = time.sleep


class _ByQueued(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_queued"
        projection = AllProjection()

    queued_cluster = UnicodeAttribute(hash_key=True)
    queued_at = UnicodeAttribute(range_key=True)


class _ByAction(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_action"
        projection = AllProjection()

    action_id = UnicodeAttribute(hash_key=True)


class AgentActionModel(Model):
    class Meta:
        table_name = "agent-actions"

    cluster_key = UnicodeAttribute(hash_key=True)
    action_id = UnicodeAttribute(range_key=True)
    org_id = UnicodeAttribute()
    cluster_id = UnicodeAttribute()
    job_id = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    body = UnicodeAttribute()  # the action as the agent receives it (JSON)
    created_at = UTCDateTimeAttribute()
    queued_cluster = UnicodeAttribute(null=True)
    queued_at = UnicodeAttribute(null=True)
    acknowledged_at = UTCDateTimeAttribute(null=True)
    result = UnicodeAttribute(null=True)  # the agent's first result (JSON)
    result_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    backlog_day = UnicodeAttribute(null=True)  # the counters' bucket (its expiry day); None: never counted
    by_queued = _ByQueued()
    by_action = _ByAction()


models.register(AgentActionModel, schema.AGENT_ACTIONS)


def cluster_key(org_id: str, cluster_id: str) -> str:
    """``org#cluster``: the partition of one cluster's actions."""
    return f"{org_id}#{cluster_id}"


def _stored(item: AgentActionModel) -> StoredAction:
    return StoredAction(item.org_id, item.cluster_id, json.loads(item.body), ActionState(item.state), item.job_id,
                        json.loads(item.result) if item.result else None, item.acknowledged_at)


class DynamoAgentActions:
    """``AgentActions`` on DynamoDB."""

    def __init__(self, now: Any = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))

    def enqueue(self, org_id: str, cluster_id: str, job_id: str, actions: Sequence[Mapping[str, Any]]) -> Enqueued:
        key, now, new = cluster_key(org_id, cluster_id), self._now(), 0
        for action in actions:
            aid = str(action["id"])
            day = action_backlog.backlog_day(now + RETENTION)
            item = AgentActionModel(
                key, aid, org_id=org_id, cluster_id=cluster_id, job_id=job_id, state=ActionState.QUEUED.value,
                body=json.dumps(action, sort_keys=True, default=str), created_at=now, queued_cluster=key,
                queued_at=f"{now.isoformat()}#{aid}", expires_at=now + RETENTION, backlog_day=day,
            )
            if self._counted(org_id, cluster_id, day, lambda txn, item=item: txn.save(
                    item, condition=AgentActionModel.action_id.does_not_exist()), queued=1):
                new += 1
        return Enqueued(tuple(str(a["id"]) for a in actions), new)

    def withdraw(self, org_id: str, cluster_id: str, action_ids: Sequence[str]) -> Withdrawn:
        key, gone, taken = cluster_key(org_id, cluster_id), [], []
        for aid in action_ids:
            before = self._get(key, aid)
            if before is None:
                continue
            if self._counted(org_id, cluster_id, before.backlog_day, lambda txn, aid=aid: txn.update(
                    AgentActionModel(key, aid),
                    actions=[AgentActionModel.state.set(ActionState.WITHDRAWN.value),
                             AgentActionModel.queued_cluster.remove()],
                    condition=AgentActionModel.state == ActionState.QUEUED.value), queued=-1):
                gone.append(aid)
                continue
            item = self._get(key, aid)
            if item is not None and item.state == ActionState.WITHDRAWN.value:
                gone.append(aid)
            elif item is not None:
                taken.append(aid)
        return Withdrawn(tuple(gone), tuple(taken))

    def pending(self, org_id: str, cluster_id: str, limit: int) -> list[StoredAction]:
        items = AgentActionModel.by_queued.query(cluster_key(org_id, cluster_id), scan_index_forward=True,
                                                 limit=limit)
        return [_stored(i) for i in items if i.state == ActionState.QUEUED.value][:limit]

    def find(self, action_id: str) -> StoredAction | None:
        for item in AgentActionModel.by_action.query(action_id, limit=2):
            if item.cluster_key != action_backlog.BACKLOG_PARTITION:  # never a counter
                return _stored(item)
        return None

    def backlog(self) -> ActionBacklog:
        """``ActionBacklogCounts``: every cluster's unexpired unfinished actions (one Query of the total's
        shards from today's bucket on)."""
        return action_backlog.read(action_backlog.total_prefix(), self._now().astimezone(UTC).date())

    def cluster_backlog(self, org_id: str, cluster_id: str) -> ActionBacklog:
        """``ActionBacklogCounts``: one cluster's unexpired unfinished actions (one Query)."""
        return action_backlog.read(action_backlog.counter_key(org_id, cluster_id),
                                   self._now().astimezone(UTC).date())

    @staticmethod
    def _counted(org_id: str, cluster_id: str, day: str | None, change: Callable[[TransactWrite], Any], *,
                 queued: int = 0, in_flight: int = 0) -> bool:
        """Run one conditional state change with its counter moves (bucket ``day``; ``None``: none) in one
        transaction; False when its condition failed (nothing written, nothing counted). A transaction
        cancelled by a concurrent one on the same counter is tried again (a few times, with jitter); still
        conflicting, it is a 503 to retry."""
        for attempt in range(CONFLICT_ATTEMPTS):
            try:
                with TransactWrite(connection=action_backlog.connection()) as txn:
                    change(txn)
                    if day is not None:
                        action_backlog.count(txn, org_id, cluster_id, day, queued=queued, in_flight=in_flight)
            except TransactWriteError as exc:
                reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
                if reasons and reasons[0] == _CONDITION_FAILED:
                    return False
                if _CONFLICT not in reasons:
                    raise
                if attempt + 1 == CONFLICT_ATTEMPTS:
                    raise ServiceUnavailable("agent actions: the backlog counters stayed contended; "
                                             "retry") from exc
                _pause(random.uniform(0.01, 0.05) * (attempt + 1))  # jitter: the two retries do not meet again
                continue
            return True
        return True  # pragma: no cover - the loop returns or raises

    def acknowledge(self, org_id: str, cluster_id: str, action_id: str, at: datetime) -> AckOutcome | None:
        key = cluster_key(org_id, cluster_id)
        before = self._get(key, action_id)
        if before is None:
            return None
        if self._counted(org_id, cluster_id, before.backlog_day, lambda txn: txn.update(
                AgentActionModel(key, action_id),
                actions=[AgentActionModel.state.set(ActionState.ACKNOWLEDGED.value),
                         AgentActionModel.acknowledged_at.set(at), AgentActionModel.queued_cluster.remove()],
                condition=AgentActionModel.state == ActionState.QUEUED.value), queued=-1, in_flight=1):
            return AckOutcome(True, ActionState.ACKNOWLEDGED)
        item = self._get(key, action_id)
        return None if item is None else AckOutcome(False, ActionState(item.state))

    def record_result(self, org_id: str, cluster_id: str, action_id: str, result: Mapping[str, Any],
                      at: datetime) -> ResultOutcome | None:
        key = cluster_key(org_id, cluster_id)
        status = ActionState(str(result.get("status", ActionState.FAILED.value)))
        final = status if status in FINAL_STATES else ActionState.FAILED
        before = self._get(key, action_id)
        if before is None:
            return None
        if self._counted(org_id, cluster_id, before.backlog_day, lambda txn: txn.update(
                AgentActionModel(key, action_id),
                actions=[AgentActionModel.state.set(final.value), AgentActionModel.result_at.set(at),
                         AgentActionModel.result.set(json.dumps(result, sort_keys=True, default=str))],
                condition=AgentActionModel.state == ActionState.ACKNOWLEDGED.value), in_flight=-1):
            return ResultOutcome(True, final)
        item = self._get(key, action_id)
        return None if item is None else ResultOutcome(False, ActionState(item.state))

    def stored(self, org_id: str, cluster_id: str) -> list[StoredAction]:
        """Every action of a cluster, by id (tests and the local console)."""
        return [_stored(i) for i in AgentActionModel.query(cluster_key(org_id, cluster_id), consistent_read=True)]

    @staticmethod
    def _get(key: str, action_id: str) -> AgentActionModel | None:
        try:
            return AgentActionModel.get(key, action_id, consistent_read=True)
        except AgentActionModel.DoesNotExist:
            return None
