"""Ports of node templates, cluster policies and hibernation schedules.

Every mutating repository method takes the ``AuditEntry`` describing the change and commits the change
and its audit record in one transaction: either both are stored or neither is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.audit import AuditEntry
from spothive.domain.policies import PolicyDocument
from spothive.domain.templates import NodeTemplate
from spothive.ports import SafeModeFlag as SafeModeFlag


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


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """What an agent receives when its cluster's policy changes."""

    org_id: str
    cluster_id: str
    version: int
    sections: tuple[str, ...]
    document: dict[str, Any]
    changed_at: datetime
    changed_by: str


class PolicyEventPublisher(Protocol):
    """Tells a cluster's agent that its policy changed (best effort; the table's stream is durable)."""

    def publish(self, change: PolicyChange) -> None: ...


@dataclass(frozen=True, slots=True)
class NodegroupSize:
    """A managed node group's scaling configuration."""

    min_size: int
    max_size: int
    desired_size: int


@dataclass(frozen=True, slots=True)
class HibernationRecord:
    """A cluster's stored schedule and what the worker last decided and applied."""

    org_id: str
    cluster_id: str
    matrix: tuple[int, ...]
    timezone: str
    prewarm: bool
    enabled: bool
    version: int
    override_until: datetime | None = None
    desired_state: str | None = None  # "awake" | "asleep"; None until the worker first looks
    applied_state: str | None = None  # "awake" | "asleep" | "dry_run" | "failed"
    saved_sizes: dict[str, NodegroupSize] = field(default_factory=dict)
    state_changed_at: datetime | None = None
    updated_at: datetime | None = None

    def to_doc(self) -> dict[str, Any]:
        """The settings a user controls, for the audit ledger."""
        return {
            "cluster_id": self.cluster_id,
            "schedule_matrix": "".join(str(v) for v in self.matrix),
            "timezone": self.timezone,
            "prewarm": self.prewarm,
            "enabled": self.enabled,
            "override_until": self.override_until.isoformat() if self.override_until else None,
            "version": self.version,
        }


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
        at: datetime, entry: AuditEntry | None,
    ) -> None:
        """Store the decided and applied state if nobody changed it meanwhile (with ``entry`` when given)."""
        ...


class NodegroupScaler(Protocol):
    """Reads and sets the size of a cluster's managed node groups in one customer account."""

    def nodegroup_sizes(self, region: str, cluster_name: str) -> dict[str, NodegroupSize]: ...

    def scale_nodegroup(self, region: str, cluster_name: str, nodegroup: str, size: NodegroupSize) -> None: ...


class ScalingAccess(Protocol):
    """Reaches a customer account through its cross-account role, for scaling."""

    def assume(self, role_arn: str, external_id: str, session_name: str) -> NodegroupScaler: ...

