"""Use cases of ``/api/policies``: a versioned policy document per cluster, pushed to its agent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.automation import MIN_SAVING_DEFAULT, PAYBACK_DAYS_DEFAULT, validate_threshold
from spothive.domain.errors import Conflict, InvalidInput, NotFound
from spothive.domain.identity import Principal
from spothive.domain.policies import (
    PolicyChange,
    PolicyDocument,
    check_version,
    next_version,
    normalize_namespaces,
    validate_aggressiveness,
    validate_automation,
)
from spothive.domain.templates import Strategy
from spothive.ports.clock import Clock
from spothive.ports.configuration import PolicyEventPublisher, PolicyRepo, TemplateRepo
from spothive.ports.inventory import InventoryRepo

logger = logging.getLogger(__name__)
RESOURCE = "cluster_policy"


class PolicyService:
    """Reads and changes cluster policies with optimistic concurrency, audit and change events."""

    def __init__(
        self, repo: PolicyRepo, templates: TemplateRepo, inventory: InventoryRepo,
        events: PolicyEventPublisher, clock: Clock,
    ) -> None:
        self._repo = repo
        self._templates = templates
        self._inventory = inventory
        self._events = events
        self._clock = clock

    def get(self, principal: Principal, cluster_id: str) -> PolicyDocument:
        """The cluster's document (the default, version 0, until first changed)."""
        self._own_cluster(principal, cluster_id)
        return self._repo.get(principal.org_id, cluster_id) or PolicyDocument(principal.org_id, cluster_id)

    def set_karpenter(
        self, principal: Principal, cluster_id: str, expected_version: int, enabled: bool, strategy: Strategy
    ) -> PolicyDocument:
        return self._change(principal, cluster_id, expected_version, "karpenter",
                            karpenter_enabled=enabled, karpenter_strategy=strategy)

    def set_binpack(
        self, principal: Principal, cluster_id: str, expected_version: int, aggressiveness: int
    ) -> PolicyDocument:
        value = validate_aggressiveness(aggressiveness)
        return self._change(principal, cluster_id, expected_version, "binpack", binpack_aggressiveness=value)

    def set_fallback(self, principal: Principal, cluster_id: str, expected_version: int, enabled: bool) -> PolicyDocument:
        return self._change(principal, cluster_id, expected_version, "fallback", fallback_enabled=enabled)

    def set_automation(
        self, principal: Principal, cluster_id: str, expected_version: int, mode: str, max_nodes: int,
        max_percent: int, *, payback_days: int = PAYBACK_DAYS_DEFAULT,
        min_monthly_saving_usd: float = MIN_SAVING_DEFAULT,
    ) -> PolicyDocument:
        """``off`` / ``recommend`` / ``auto``, how many nodes the executor may disrupt at once, and the
        savings threshold an automated action must clear."""
        budget = validate_automation(mode, max_nodes, max_percent)
        threshold = validate_threshold(payback_days, min_monthly_saving_usd)
        return self._change(principal, cluster_id, expected_version, "automation", mode=mode, disruption_budget=budget,
                            threshold=threshold)

    def set_exclusions(
        self, principal: Principal, cluster_id: str, expected_version: int, namespaces: Sequence[str]
    ) -> PolicyDocument:
        names = normalize_namespaces(namespaces)
        return self._change(principal, cluster_id, expected_version, "exclusions", excluded_namespaces=names)

    def bind_template(
        self, principal: Principal, cluster_id: str, expected_version: int, template_id: str | None
    ) -> PolicyDocument:
        """Use ``template_id`` for the cluster (``None`` unbinds); the template must be live in the org.

        The cluster's ownership is checked before the template is looked up, so another tenant's cluster
        is a 404 whatever the template id, and a blank id never reaches the store."""
        self._own_cluster(principal, cluster_id)
        if template_id is not None and not template_id.strip():
            raise InvalidInput("template_id must name a template, or be null to unbind", field="template_id")
        if template_id is not None:
            template = self._templates.get(principal.org_id, template_id)
            if template is None or template.deleted_at is not None:
                raise NotFound(f"template {template_id} not found", field="template_id")
        return self._change(principal, cluster_id, expected_version, "template", template_id=template_id)

    def _change(
        self, principal: Principal, cluster_id: str, expected_version: int, section: str, **changes: Any
    ) -> PolicyDocument:
        current = self.get(principal, cluster_id)
        check_version(current, expected_version)
        now = self._clock.now()
        updated = next_version(current, principal.actor, now, **changes)
        entry = AuditEntry(
            principal.actor, f"policy.{section}.update", RESOURCE, cluster_id, current.to_doc(), updated.to_doc()
        )
        try:
            self._repo.save(updated, current, entry)
        except Conflict as exc:
            stored = self._repo.get(principal.org_id, cluster_id) or current
            check_version(stored, expected_version)  # a concurrent writer won: name expected_version
            if section == "template":
                raise NotFound(f"template {changes['template_id']} not found", field="template_id") from exc
            raise
        self._publish(PolicyChange(
            principal.org_id, cluster_id, updated.version, (section,), updated.to_doc(), now, principal.actor,
        ))
        return updated

    def _publish(self, change: PolicyChange) -> None:
        try:
            self._events.publish(change)
        except Exception:  # the DynamoDB stream delivers the change durably; the push is best effort
            logger.exception("policy change %s v%s was stored but not pushed", change.cluster_id, change.version)

    def _own_cluster(self, principal: Principal, cluster_id: str) -> None:
        if self._inventory.get_cluster(principal.org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
