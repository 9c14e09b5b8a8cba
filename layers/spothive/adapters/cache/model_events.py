"""Hot-swap announcements on the ``models:production`` channel, plus ``MODEL:production`` (the current
production model as JSON, no TTL) so a consumer that starts or reconnects later catches up."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

import redis

from spothive.adapters.cache.channel_listener import ChannelListener
from spothive.domain.model_registry import ModelRecord, ModelStatus

LOG = logging.getLogger(__name__)
CHANNEL = "models:production"
CURRENT_KEY = "MODEL:production"


def event_of(record: ModelRecord) -> str:
    """The message: what a consumer needs to fetch and verify the model."""
    return json.dumps({"model_id": record.model_id, "version": record.version, "s3_key": record.s3_key,
                       "sha256": record.sha256, "format": record.format,
                       "updated_at": record.updated_at.isoformat()})


def record_of(message: str) -> ModelRecord:
    """A minimal record rebuilt from a message (enough for a loader)."""
    data = json.loads(message)
    at = datetime.fromisoformat(data["updated_at"])
    return ModelRecord(data["model_id"], data["version"], ModelStatus.PRODUCTION, data["sha256"], 0,
                       data.get("format", "lightgbm-text"), data["s3_key"], "", at, at)


class RedisModelEvents:
    """``ModelEvents``: SET the pointer and PUBLISH in one pipeline; a cache outage is logged, not raised
    (the registry already says which model is in production)."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client

    def publish_production(self, record: ModelRecord) -> int:
        message = event_of(record)
        try:
            pipe = self._redis.pipeline()
            pipe.set(CURRENT_KEY, message)
            pipe.publish(CHANNEL, message)
            return int(pipe.execute()[1])
        except redis.RedisError as exc:
            LOG.error("could not announce model %s: %s", record.model_id, exc)
            return 0

    def current(self) -> ModelRecord | None:
        """The last announced production model, if any."""
        try:
            message = self._redis.get(CURRENT_KEY)
        except redis.RedisError:
            return None
        return record_of(str(message)) if message else None


class ModelEventListener(ChannelListener):
    """A daemon thread that calls ``on_production`` for each announcement on ``models:production``."""

    def __init__(self, client: redis.Redis, on_production: Callable[[ModelRecord], object]) -> None:
        super().__init__(client, CHANNEL, lambda data: record_of(str(data)), on_production, "model-events")
