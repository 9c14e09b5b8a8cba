"""Node templates, cluster policies and hibernation schedules in memory, with the adapters' conditions."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.hibernation import HibernationRecord, NodegroupSize
from spothive.domain.policies import PolicyChange, PolicyDocument
from spothive.domain.templates import NodeTemplate
from tests.support.fakes.audit import MemoryLedger

_STALE = "the resource changed meanwhile; reload and retry"


class MemoryTemplateRepo:
    """``TemplateRepo`` over dicts; ``bind_tokens`` change whenever a policy binds a template."""

    def __init__(self, ledger: MemoryLedger) -> None:
        self._ledger = ledger
        self.templates: dict[tuple[str, str], NodeTemplate] = {}
        self.defaults: dict[str, str | None] = {}
        self.policies: dict[tuple[str, str], PolicyDocument] = {}  # shared with MemoryPolicyRepo
        self.bind_tokens: dict[tuple[str, str], int] = {}
        self._tokens = itertools.count(1)

    def list_all(self, org_id: str) -> list[NodeTemplate]:
        return [t for (o, _), t in sorted(self.templates.items()) if o == org_id]

    def get(self, org_id: str, template_id: str) -> NodeTemplate | None:
        return self.templates.get((org_id, template_id))

    def default_id(self, org_id: str) -> str | None:
        return self.defaults.get(org_id)

    def bound_clusters(self, org_id: str, template_id: str) -> list[str]:
        return sorted(c for (o, c), p in self.policies.items() if o == org_id and p.template_id == template_id)

    def create(self, template: NodeTemplate, entry: AuditEntry) -> None:
        key = (template.org_id, template.template_id)

        def change() -> None:
            if key in self.templates:
                raise Conflict(_STALE)
            self.templates[key] = template

        self._ledger.commit(template.org_id, entry, change)

    def update(self, template: NodeTemplate, expected_version: int, entry: AuditEntry) -> None:
        key = (template.org_id, template.template_id)

        def change() -> None:
            self._require_live(key, expected_version)
            self.templates[key] = template

        self._ledger.commit(template.org_id, entry, change)

    def soft_delete(self, template: NodeTemplate, expected_version: int, entry: AuditEntry) -> None:
        org_id, template_id = template.org_id, template.template_id
        if self.bound_clusters(org_id, template_id):
            raise Conflict(f"template {template_id} is used by a cluster policy", field="template_id")

        def change() -> None:
            self._require_live((org_id, template_id), expected_version)
            self.templates[(org_id, template_id)] = template
            if self.defaults.get(org_id) == template_id:
                self.defaults[org_id] = None

        self._ledger.commit(org_id, entry, change)

    def set_default(self, org_id: str, template_id: str, previous: str | None, entry: AuditEntry) -> None:
        def change() -> None:
            stored = self.templates.get((org_id, template_id))
            if stored is None or stored.deleted_at is not None or self.defaults.get(org_id) != previous:
                raise Conflict(_STALE)
            self.defaults[org_id] = template_id

        self._ledger.commit(org_id, entry, change)

    def bind(self, org_id: str, template_id: str) -> None:
        """Give the template a fresh bind token (a policy now uses it)."""
        self.bind_tokens[(org_id, template_id)] = next(self._tokens)

    def _require_live(self, key: tuple[str, str], expected_version: int) -> None:
        stored = self.templates.get(key)
        if stored is None or stored.version != expected_version or stored.deleted_at is not None:
            raise Conflict(_STALE)


class MemoryPolicyRepo:
    """``PolicyRepo`` on ``MemoryTemplateRepo``'s policies (binding a template checks it is live)."""

    def __init__(self, templates: MemoryTemplateRepo, ledger: MemoryLedger) -> None:
        self._templates = templates
        self._ledger = ledger

    def get(self, org_id: str, cluster_id: str) -> PolicyDocument | None:
        return self._templates.policies.get((org_id, cluster_id))

    def save(self, doc: PolicyDocument, previous: PolicyDocument, entry: AuditEntry) -> None:
        key = (doc.org_id, doc.cluster_id)
        binds = doc.template_id is not None and doc.template_id != previous.template_id
        if binds and self._templates.get(doc.org_id, doc.template_id or "") is None:
            raise Conflict(f"template {doc.template_id} not found", field="template_id")

        def change() -> None:
            stored = self._templates.policies.get(key)
            if (stored.version if stored else 0) != previous.version:
                raise Conflict(_STALE)
            if binds:
                template = self._templates.get(doc.org_id, doc.template_id or "")
                if template is None or template.deleted_at is not None:
                    raise Conflict(_STALE)
                self._templates.bind(doc.org_id, template.template_id)
            self._templates.policies[key] = doc

        self._ledger.commit(doc.org_id, entry, change)


class RecordingPolicyEvents:
    """``PolicyEventPublisher`` that keeps what it was told."""

    def __init__(self) -> None:
        self.published: list[PolicyChange] = []

    def publish(self, change: PolicyChange) -> None:
        self.published.append(change)


class MemoryHibernationRepo:
    """``HibernationRepo`` over a dict, with the user-settings and worker-state conditions of DynamoDB."""

    def __init__(self, ledger: MemoryLedger) -> None:
        self._ledger = ledger
        self.records: dict[tuple[str, str], HibernationRecord] = {}

    def get(self, org_id: str, cluster_id: str) -> HibernationRecord | None:
        return self.records.get((org_id, cluster_id))

    def save(self, record: HibernationRecord, expected_version: int, entry: AuditEntry) -> None:
        """Store the user's settings over the worker's last state, if still at ``expected_version``."""
        key = (record.org_id, record.cluster_id)

        def change() -> None:
            stored = self.records.get(key)
            if (stored.version if stored else 0) != expected_version:
                raise Conflict("the schedule changed meanwhile; reload and retry", field="cluster_id")
            base = stored or record
            self.records[key] = replace(
                record, desired_state=base.desired_state, applied_state=base.applied_state,
                saved_sizes=dict(base.saved_sizes), saved_processes=dict(base.saved_processes),
                saved_instances=base.saved_instances, state_changed_at=base.state_changed_at,
                saved_limits=dict(base.saved_limits), action_id=base.action_id, last_error=base.last_error,
            )

        self._ledger.commit(record.org_id, entry, change)

    def enabled(self) -> Iterator[HibernationRecord]:
        yield from (r for _, r in sorted(self.records.items()) if r.enabled)

    def record_state(
        self, record: HibernationRecord, desired: str, applied: str, sizes: dict[str, NodegroupSize],
        at: datetime, entry: AuditEntry | None, *, processes: dict[str, tuple[str, ...]] | None = None,
        instances: tuple[str, ...] = (), limits: dict[str, dict[str, str | int | float]] | None = None,
        action_id: str | None = None, error: str | None = None,
    ) -> None:
        key = (record.org_id, record.cluster_id)

        def change() -> None:
            stored = self.records.get(key)
            if stored is None or (stored.desired_state, stored.applied_state) != (record.desired_state, record.applied_state):
                raise Conflict("the hibernation state changed meanwhile", field="cluster_id")
            self.records[key] = replace(stored, desired_state=desired, applied_state=applied,
                                        saved_sizes=dict(sizes), saved_processes=dict(processes or {}),
                                        saved_instances=tuple(instances), state_changed_at=at,
                                        saved_limits={n: dict(v) for n, v in (limits or {}).items()},
                                        action_id=action_id, last_error=error)

        self._ledger.commit(record.org_id, entry, change)
