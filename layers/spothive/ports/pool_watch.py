"""Per-cluster memory of the Spot pools SpotHive left (the hysteresis of ``domain.pool_recovery``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from spothive.domain.pool_recovery import PoolWatch


class PoolWatchStore(Protocol):
    """The watched pools of one cluster; an unreadable store raises ``ServiceUnavailable``."""

    def get(self, org_id: str, cluster_id: str) -> dict[str, PoolWatch]: ...

    def put(self, org_id: str, cluster_id: str, watches: Mapping[str, PoolWatch]) -> None: ...
