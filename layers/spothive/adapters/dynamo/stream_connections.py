"""Open WebSocket connections on the ``stream-connections`` table (TTL: API Gateway's 2-hour socket limit)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from spothive.adapters.dynamo import models, schema

#: API Gateway closes every WebSocket after two hours; a row outliving a lost $disconnect expires.
CONNECTION_TTL = timedelta(hours=2, minutes=5)


class ConnectionsByChannel(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_channel"
        projection = AllProjection()

    channel = UnicodeAttribute(hash_key=True)
    connection_id = UnicodeAttribute(range_key=True)


class StreamConnectionModel(Model):
    class Meta:
        table_name = "stream-connections"

    connection_id = UnicodeAttribute(hash_key=True)
    channel = UnicodeAttribute()
    kind = UnicodeAttribute()
    org_id = UnicodeAttribute()
    filters = UnicodeAttribute(default="{}")
    expires_at = TTLAttribute()
    by_channel = ConnectionsByChannel()


models.register(StreamConnectionModel, schema.STREAM_CONNECTIONS)


class DynamoStreamConnections:
    """``StreamConnections``; a row past its TTL counts as absent (DynamoDB deletes expired rows late)."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def add(self, connection_id: str, channel: str, org_id: str, filters: Mapping[str, str], *,
            kind: str = "") -> None:
        """Remember a connection and what it follows."""
        StreamConnectionModel(
            connection_id, channel=channel, kind=kind or channel.split(":", 1)[0], org_id=org_id,
            filters=json.dumps(dict(filters), sort_keys=True), expires_at=self._now() + CONNECTION_TTL,
        ).save()

    def get(self, connection_id: str) -> dict[str, Any] | None:
        """The connection's subscription, or ``None`` when unknown or expired."""
        try:
            item = StreamConnectionModel.get(connection_id, consistent_read=True)
        except StreamConnectionModel.DoesNotExist:
            return None
        return _view(item) if item.expires_at > self._now() else None

    def remove(self, connection_id: str) -> None:
        """Forget a connection (idempotent)."""
        StreamConnectionModel(connection_id).delete()

    def following(self, channel: str) -> Sequence[dict[str, Any]]:
        """Live connections of ``channel`` (a Query on by_channel)."""
        now = self._now()
        return [_view(i) for i in StreamConnectionModel.by_channel.query(channel) if i.expires_at > now]


def _view(item: StreamConnectionModel) -> dict[str, Any]:
    return {"connection_id": item.connection_id, "channel": item.channel, "kind": item.kind,
            "org_id": item.org_id, "filters": json.loads(item.filters or "{}")}
