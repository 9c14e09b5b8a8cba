"""Cluster snapshots in process memory (used when no data bucket is configured)."""

from __future__ import annotations

import copy
from typing import Any


class MemorySnapshotStore:
    """``SnapshotStore`` in a dict; lost when the process ends."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], dict[str, Any]] = {}

    def save(self, org_id: str, cluster_id: str, snapshot: dict[str, Any]) -> None:
        self._data[(org_id, cluster_id)] = copy.deepcopy(snapshot)

    def latest(self, org_id: str, cluster_id: str) -> dict[str, Any] | None:
        found = self._data.get((org_id, cluster_id))
        return copy.deepcopy(found) if found is not None else None
