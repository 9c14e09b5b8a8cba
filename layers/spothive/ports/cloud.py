"""Customer AWS accounts, reached through their cross-account role."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance


class CloudSession(Protocol):
    """Credentials for one customer account: the inventory it can see."""

    def instances(self, region: str) -> Iterable[DiscoveredInstance]: ...

    def clusters(self, region: str) -> Iterable[DiscoveredCluster]: ...

    def live_clusters(self, region: str) -> Iterable[DiscoveredCluster]:
        """``clusters`` with ``node_count`` read live (one more call per node group)."""
        ...

    def cpu_utilization(
        self, region: str, instance_ids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, float]]]:
        """5-minute average ``CPUUtilization`` samples per instance (GetMetricData, ≤ 500 queries a call)."""
        ...

    def probe(self, region: str) -> list[str]:
        """Call each read the product needs; return the actions that were denied."""
        ...


class CloudAccess(Protocol):
    """Reaches customer accounts through their cross-account role."""

    def assume(self, role_arn: str, external_id: str, session_name: str) -> CloudSession: ...


class LiveCache(Protocol):
    """Short-lived JSON answers of customer-account reads, by key."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None: ...
