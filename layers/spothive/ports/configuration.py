"""Node templates, cluster policies and hibernation schedules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from spothive.domain.audit import AuditEntry
from spothive.domain.hibernation import HibernationRecord, NodegroupSize
from spothive.domain.policies import PolicyChange, PolicyDocument
from spothive.domain.templates import NodeTemplate


class TemplateRepo(Protocol):
    """Node templates and the org's default pointer."""

    def list_all(self, org_id: str) -> list[NodeTemplate]:
        """Every template of the org, deleted ones included."""
        ...

    def get(self, org_id: str, template_id: str) -> NodeTemplate | None: ...

    def default_id(self, org_id: str) -> str | None:
        """The id of the org's default template (one pointer item per org)."""
        ...

    def bound_clusters(self, org_id: str, template_id: str) -> list[str]:
        """Clusters whose policy uses the template."""
        ...

    def create(self, template: NodeTemplate, entry: AuditEntry) -> None: ...

    def update(self, template: NodeTemplate, expected_version: int, entry: AuditEntry) -> None:
        """Replace the template if it is still at ``expected_version`` and not deleted; else ``Conflict``."""
        ...

    def soft_delete(self, template: NodeTemplate, expected_version: int, entry: AuditEntry) -> None:
        """Mark deleted if still at ``expected_version`` and bound to no cluster; clears the default pointer."""
        ...

    def set_default(self, org_id: str, template_id: str, previous: str | None, entry: AuditEntry) -> None:
        """Move the pointer from ``previous`` to ``template_id`` (live); ``Conflict`` if it moved meanwhile."""
        ...


class PolicyRepo(Protocol):
    """One versioned policy document per cluster."""

    def get(self, org_id: str, cluster_id: str) -> PolicyDocument | None: ...

    def save(self, doc: PolicyDocument, previous: PolicyDocument, entry: AuditEntry) -> None:
        """Store ``doc`` if the stored version is still ``previous.version`` (binding templates as needed)."""
        ...


class PolicyEventPublisher(Protocol):
    """Tells a cluster's agent that its policy changed (best effort; the table's stream is durable)."""

    def publish(self, change: PolicyChange) -> None: ...


class HibernationRepo(Protocol):
    """Schedules, queried by the worker through the sparse ``by_enabled`` index."""

    def get(self, org_id: str, cluster_id: str) -> HibernationRecord | None: ...

    def save(self, record: HibernationRecord, expected_version: int, entry: AuditEntry) -> None:
        """Store the user's settings if still at ``expected_version`` (0 = absent); ``Conflict`` otherwise."""
        ...

    def enabled(self) -> Iterable[HibernationRecord]:
        """Every enabled schedule (Queries of each shard of the sparse index; never a Scan)."""
        ...

    def record_state(
        self, record: HibernationRecord, desired: str, applied: str, sizes: dict[str, NodegroupSize],
        at: datetime, entry: AuditEntry | None, *, processes: dict[str, tuple[str, ...]] | None = None,
        instances: tuple[str, ...] = (), limits: dict[str, dict[str, str | int | float]] | None = None,
        action_id: str | None = None, error: str | None = None,
    ) -> None:
        """Store the decided and applied state if nobody changed it meanwhile (with ``entry`` when given).

        ``sizes``, ``processes``, ``instances`` and ``limits`` are what a wake restores (see
        ``SavedCapacity``); ``action_id`` the agent action a Karpenter transition waits for; ``error`` why the
        transition failed (``None`` clears it)."""
        ...
