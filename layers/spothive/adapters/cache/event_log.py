"""``EventLog`` on Redis Streams: XADD with an approximate MAXLEN, XREAD after a cursor (the entry id)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import redis

from spothive.domain.streams import Event

_PREFIX = "stream:"


class RedisEventLog:
    """One Redis stream per channel (``stream:<channel>``); each entry holds ``type``, ``at`` and JSON ``data``."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def append(self, channel: str, type_: str, at: str, data: Mapping[str, Any], *, max_len: int) -> str:
        """XADD one entry; ``~ max_len`` keeps trimming cheap (whole nodes at a time)."""
        fields = {"type": type_, "at": at, "data": json.dumps(dict(data), sort_keys=True, default=str)}
        return str(self._redis.xadd(_PREFIX + channel, fields, maxlen=max_len, approximate=True))  # type: ignore[arg-type]

    def read(self, channel: str, after: str, *, limit: int, block_ms: int = 0) -> list[Event]:
        """XREAD COUNT limit [BLOCK block_ms] after ``after``."""
        kwargs: dict[str, Any] = {"count": limit}
        if block_ms > 0:
            kwargs["block"] = block_ms
        answer = self._redis.xread({_PREFIX + channel: after}, **kwargs)
        events: list[Event] = []
        for _name, entries in answer or []:
            for entry_id, fields in entries:
                try:
                    data = json.loads(fields.get("data") or "{}")
                except ValueError:
                    data = {"raw": fields.get("data")}
                events.append(Event(str(entry_id), str(fields.get("type", "")), str(fields.get("at", "")),
                                    data if isinstance(data, dict) else {"value": data}))
        return events
