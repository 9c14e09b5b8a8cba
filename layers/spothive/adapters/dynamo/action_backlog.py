"""Counts of unfinished agent actions, kept on the ``agent-actions`` table beside the actions.

Each state change of an action (queued, acknowledged, result, withdrawn) is a conditional write; the same
DynamoDB transaction ADDs to two counter items — the cluster's and the global total — so a count moves
exactly when a state does (a replayed acknowledgement changes neither). Both live in the partition
``#backlog`` (range ``#total`` and ``#<org>#<cluster>``), which no action id can name (ids are
``{job_id}.{index}``), so reading the total is one GetItem and never a Scan.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import models, schema
from spothive.domain.worker_health import ActionBacklog

#: The partition holding the counters (an action's partition is ``org#cluster``, never starting with ``#``).
BACKLOG_PARTITION = "#backlog"
TOTAL = "#total"


class ActionCountModel(Model):
    """A counter item of the ``agent-actions`` table (same key names as the actions)."""

    class Meta:
        table_name = "agent-actions"

    cluster_key = UnicodeAttribute(hash_key=True)
    action_id = UnicodeAttribute(range_key=True)
    queued = NumberAttribute(default=0)
    in_flight = NumberAttribute(default=0)


models.register(ActionCountModel, schema.AGENT_ACTIONS)


def counter_key(org_id: str, cluster_id: str) -> str:
    """The range key of one cluster's counter."""
    return f"#{org_id}#{cluster_id}"


def count(txn: TransactWrite, org_id: str, cluster_id: str, *, queued: int = 0, in_flight: int = 0) -> None:
    """ADD ``queued`` and ``in_flight`` to the cluster's counter and the total, inside ``txn``."""
    actions: list[Any] = []
    if queued:
        actions.append(ActionCountModel.queued.add(queued))
    if in_flight:
        actions.append(ActionCountModel.in_flight.add(in_flight))
    for key in (counter_key(org_id, cluster_id), TOTAL):
        txn.update(ActionCountModel(BACKLOG_PARTITION, key), actions=actions)


def read(key: str) -> ActionBacklog:
    """One counter (zero when nothing was ever counted)."""
    try:
        item = ActionCountModel.get(BACKLOG_PARTITION, key, consistent_read=True)
    except ActionCountModel.DoesNotExist:
        return ActionBacklog()
    return ActionBacklog(int(item.queued or 0), int(item.in_flight or 0))


_connections: dict[tuple[str | None, str | None], Connection] = {}


def connection() -> Connection:
    """One connection per bound region and endpoint for the counted transactions (a client per
    transaction would cost more than the write)."""
    key = (ActionCountModel.Meta.region, getattr(ActionCountModel.Meta, "host", None))
    if key not in _connections:
        _connections[key] = Connection(region=key[0], host=key[1])
    return _connections[key]
