"""A daemon thread that follows one Redis pub/sub channel, surviving connection loss with back-off."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import redis

LOG = logging.getLogger(__name__)


class ChannelListener:
    """Subscribes at construction (so no message is missed after ``start`` returns) and hands each
    message's data to ``parse`` then ``deliver``; malformed messages are logged and skipped."""

    def __init__(
        self,
        client: redis.Redis,
        channel: str,
        parse: Callable[[Any], Any],
        deliver: Callable[[Any], object],
        name: str,
    ) -> None:
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(channel)
        self._channel = channel
        self._parse = parse
        self._deliver = deliver
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> ChannelListener:
        """Start following the channel."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close the subscription."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._pubsub.close()

    def _run(self) -> None:
        backoff = 0.0
        while not self._stop.is_set():
            try:
                message = self._pubsub.get_message(timeout=0.2)
            except redis.RedisError as exc:
                if not backoff:
                    LOG.warning("subscription to %s lost, retrying with back-off: %s", self._channel, exc)
                backoff = min(30.0, backoff * 2 or 0.5)
                self._stop.wait(backoff)
                continue
            if backoff:
                LOG.info("subscription to %s restored", self._channel)
                backoff = 0.0
            if not message or message.get("type") != "message":
                continue
            try:
                value = self._parse(message["data"])
            except (KeyError, TypeError, ValueError) as exc:
                LOG.warning("ignoring malformed message on %s: %s", self._channel, exc)
                continue
            self._deliver(value)
