"""Object storage with resourceVersions and a bounded event log that watches read from."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from spothive_agent.kube import Gone

Obj = dict[str, Any]


class Store:
    """Objects by kind and key, one global resourceVersion counter, and watch events kept for replay."""

    def __init__(self, kinds: tuple[str, ...], history: int = 100_000) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.objects: dict[str, dict[str, Obj]] = {k: {} for k in kinds}
        self._rv = 0
        self._log: deque[tuple[int, str, str, bytes]] = deque(maxlen=history)
        self._compacted = 0

    @property
    def resource_version(self) -> str:
        """The latest resourceVersion."""
        with self.lock:
            return str(self._rv)

    def put(self, kind: str, key: str, obj: Obj) -> Obj:
        """Add or replace an object, stamping a new resourceVersion and logging ADDED/MODIFIED."""
        with self.lock:
            event = "MODIFIED" if key in self.objects[kind] else "ADDED"
            self._rv += 1
            obj.setdefault("metadata", {})["resourceVersion"] = str(self._rv)
            self.objects[kind][key] = obj
            self._record(kind, event, obj)
            return obj

    def delete(self, kind: str, key: str) -> Obj | None:
        """Remove an object, logging DELETED."""
        with self.lock:
            obj = self.objects[kind].pop(key, None)
            if obj is not None:
                self._rv += 1
                obj["metadata"]["resourceVersion"] = str(self._rv)
                self._record(kind, "DELETED", obj)
            return obj

    def _record(self, kind: str, event: str, obj: Obj) -> None:
        if len(self._log) == self._log.maxlen:
            self._compacted = self._log[0][0]
        self._log.append((self._rv, kind, event, json.dumps({"type": event, "object": obj}).encode()))
        self.changed.notify_all()

    def events_after(self, kind: str, resource_version: str) -> list[tuple[int, bytes]]:
        """Logged events of ``kind`` newer than ``resource_version``; ``Gone`` when they were compacted away."""
        since = int(resource_version or 0)
        with self.lock:
            if since < self._compacted:
                raise Gone(410, f"too old resource version: {since} ({self._compacted})", "Expired")
            newer: list[tuple[int, bytes]] = []
            for rv, k, _e, line in reversed(self._log):
                if rv <= since:
                    break
                if k == kind:
                    newer.append((rv, line))
            newer.reverse()
            return newer

    def watch_lines(self, kind: str, resource_version: str, timeout_s: float) -> Iterator[bytes]:
        """Event lines (JSON bytes) after ``resource_version``, waiting for new ones until ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        since = resource_version
        while True:
            with self.lock:
                batch = self.events_after(kind, since)
                if not batch:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    self.changed.wait(min(remaining, 1.0))
                    continue
            for rv, line in batch:
                since = str(rv)
                yield line
