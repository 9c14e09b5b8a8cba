"""Ports for dashboard metrics and the agent link: prices, cluster snapshots, heartbeats, agent tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from spothive.domain.audit import AuditEntry
from spothive.domain.catalog import Catalog


class CatalogSource(Protocol):
    """The instance catalog with the freshest prices known (hot prices over the built-in snapshot)."""

    def catalog(self) -> Catalog: ...


class SnapshotStore(Protocol):
    """The latest cluster snapshot (nodes, pods, PDBs) reported by the agent or uploaded by the customer."""

    def save(self, org_id: str, cluster_id: str, snapshot: dict[str, Any]) -> None: ...

    def latest(self, org_id: str, cluster_id: str) -> dict[str, Any] | None: ...


class Heartbeats(Protocol):
    """When each cluster's agent last called in."""

    def beat(self, cluster_id: str, at: datetime) -> None: ...

    def last_seen(self, cluster_id: str) -> datetime | None: ...


class AgentTokens(Protocol):
    """Per-cluster agent tokens, stored only as SHA-256 hashes."""

    def set_token_hash(self, org_id: str, cluster_id: str, token_hash: str, audit: AuditEntry) -> None:
        """Store the hash on the cluster and the audit record in one transaction (``NotFound`` if absent)."""
        ...

    def cluster_for(self, token_hash: str) -> tuple[str, str] | None:
        """``(org_id, cluster_id)`` of the cluster holding that token hash."""
        ...


class HotPrices(Protocol):
    """Prices refreshed every five minutes (SVC-PRICE-01), shared by every function."""

    def store(
        self, spot: dict[tuple[str, str], float], on_demand: dict[str, float], at: datetime
    ) -> None: ...

    def spot(self) -> dict[tuple[str, str], float]: ...
