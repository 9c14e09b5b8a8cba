"""Customer AWS accounts, reached through their cross-account role."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance


class CloudSession(Protocol):
    """Credentials for one customer account: the inventory it can see."""

    def instances(self, region: str) -> Iterable[DiscoveredInstance]: ...

    def clusters(self, region: str) -> Iterable[DiscoveredCluster]: ...

    def probe(self, region: str) -> list[str]:
        """Call each read the product needs; return the actions that were denied."""
        ...


class CloudAccess(Protocol):
    """Reaches customer accounts through their cross-account role."""

    def assume(self, role_arn: str, external_id: str, session_name: str) -> CloudSession: ...
