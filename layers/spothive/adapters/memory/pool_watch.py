"""In-memory ``PoolWatchStore`` for tests, the replay benchmark and the local stack."""

from __future__ import annotations

from collections.abc import Mapping

from spothive.domain.pool_recovery import PoolWatch


class MemoryPoolWatchStore:
    """Watched pools per ``(org, cluster)`` in a dict."""

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], dict[str, PoolWatch]] = {}

    def get(self, org_id: str, cluster_id: str) -> dict[str, PoolWatch]:
        return dict(self._data.get((org_id, cluster_id), {}))

    def put(self, org_id: str, cluster_id: str, watches: Mapping[str, PoolWatch]) -> None:
        self._data[(org_id, cluster_id)] = dict(watches)
