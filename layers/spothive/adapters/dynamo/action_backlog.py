"""Counts of unfinished agent actions, kept on the ``agent-actions`` table beside the actions.

Each state change of an action (queued, acknowledged, result, withdrawn) is a conditional write; the same
DynamoDB transaction ADDs to two counter items, so a count moves exactly when a state does (a replayed
acknowledgement changes neither). Counters are bucketed by the UTC day the action expires (its TTL, kept
on the action as ``backlog_day``): an action queued and never taken stops counting once its day is over
(at most a day after its TTL) although nothing ever writes it again. The two counters are the cluster's
bucket and one of :data:`TOTAL_SHARDS` shards of the total (chosen by the cluster), so clusters seldom
contend for one item. All live in the partition ``#backlog``, which no action id can name (ids are
``{job_id}.{index}``); a read is one Query of that partition from today's bucket on — never a Scan.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import models, schema
from spothive.domain.worker_health import ActionBacklog

#: The partition holding the counters (an action's partition is ``org#cluster``, never starting with ``#``).
BACKLOG_PARTITION = "#backlog"
TOTAL = "#total"
#: Shards of the total: a cluster always adds to the same one, so two clusters conflict 1 time in 16.
TOTAL_SHARDS = 16
#: After its day a counter item is deleted by the table's TTL (it no longer counts from the day after).
KEEP_AFTER_DAY = timedelta(days=1)


class ActionCountModel(Model):
    """A counter item of the ``agent-actions`` table (same key names as the actions)."""

    class Meta:
        table_name = "agent-actions"

    cluster_key = UnicodeAttribute(hash_key=True)
    action_id = UnicodeAttribute(range_key=True)
    queued = NumberAttribute(default=0)
    in_flight = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


models.register(ActionCountModel, schema.AGENT_ACTIONS)


def counter_key(org_id: str, cluster_id: str) -> str:
    """The range-key prefix of one cluster's counters (``#org#cluster#``, then the day)."""
    return f"#{org_id}#{cluster_id}#"


def backlog_day(expires_at: datetime) -> str:
    """The bucket of an action that expires at ``expires_at``: its UTC day."""
    return expires_at.astimezone(UTC).date().isoformat()


def _shard(org_id: str, cluster_id: str) -> str:
    return f"{zlib.crc32(f'{org_id}#{cluster_id}'.encode()) % TOTAL_SHARDS:02d}"


def count(txn: TransactWrite, org_id: str, cluster_id: str, day: str, *, queued: int = 0,
          in_flight: int = 0) -> None:
    """ADD ``queued`` and ``in_flight`` to the cluster's and its total shard's bucket of ``day``, in ``txn``."""
    end = datetime.combine(date.fromisoformat(day), time(), UTC) + timedelta(days=1)
    actions: list[Any] = [ActionCountModel.expires_at.set(end + KEEP_AFTER_DAY)]
    if queued:
        actions.append(ActionCountModel.queued.add(queued))
    if in_flight:
        actions.append(ActionCountModel.in_flight.add(in_flight))
    for key in (f"{counter_key(org_id, cluster_id)}{day}", f"{TOTAL}#{day}#{_shard(org_id, cluster_id)}"):
        txn.update(ActionCountModel(BACKLOG_PARTITION, key), actions=actions)


def read(prefix: str, today: date) -> ActionBacklog:
    """The sum of the counters under ``prefix`` whose day is ``today`` or later (zero when none)."""
    queued = in_flight = 0
    items = ActionCountModel.query(BACKLOG_PARTITION, ActionCountModel.action_id.between(
        f"{prefix}{today.isoformat()}", f"{prefix}~"), consistent_read=True)
    for item in items:
        if len(item.action_id[len(prefix):].split("#")[0]) == 10:  # a day, not another cluster's id
            queued += int(item.queued or 0)
            in_flight += int(item.in_flight or 0)
    return ActionBacklog(queued, in_flight)


def total_prefix() -> str:
    """The range-key prefix of the total's shards (``#total#``, then the day and the shard)."""
    return f"{TOTAL}#"


_connections: dict[tuple[str | None, str | None], Connection] = {}


def connection() -> Connection:
    """One connection per bound region and endpoint for the counted transactions (a client per
    transaction would cost more than the write)."""
    key = (ActionCountModel.Meta.region, getattr(ActionCountModel.Meta, "host", None))
    if key not in _connections:
        _connections[key] = Connection(region=key[0], host=key[1])
    return _connections[key]
