"""Cluster policy documents in DynamoDB: one item per ``(org_id, cluster_id)``, versioned.

A save is a put conditioned on the stored version, committed with its audit record; binding a template
also re-puts the template item with a fresh ``bind_token`` (conditioned on it being live and unchanged),
so a concurrent template delete fails instead of leaving a policy bound to a deleted template.
The table's DynamoDB stream carries every change durably (the agent fan-out on AWS).
"""

from __future__ import annotations

import uuid

from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.adapters.dynamo.config_models import PolicyModel, TemplateModel
from spothive.domain.audit import AuditEntry
from spothive.domain.automation import Threshold
from spothive.domain.errors import Conflict
from spothive.domain.execution import DisruptionBudget
from spothive.domain.policies import PolicyDocument
from spothive.domain.templates import Strategy


class DynamoPolicyRepo:
    """``PolicyRepo`` on the cluster-policies table."""

    def __init__(self, audit: AuditStore) -> None:
        self._audit = audit

    def get(self, org_id: str, cluster_id: str) -> PolicyDocument | None:
        try:
            return to_document(PolicyModel.get(org_id, cluster_id, consistent_read=True))
        except PolicyModel.DoesNotExist:
            return None

    def save(self, doc: PolicyDocument, previous: PolicyDocument, entry: AuditEntry) -> None:
        binding = None
        if doc.template_id is not None and doc.template_id != previous.template_id:
            try:
                binding = TemplateModel.get(doc.org_id, doc.template_id, consistent_read=True)
            except TemplateModel.DoesNotExist as exc:
                raise Conflict(f"template {doc.template_id} not found", field="template_id") from exc

        def build(txn: TransactWrite) -> None:
            unchanged = (PolicyModel.version.does_not_exist() if previous.version == 0
                         else PolicyModel.version == previous.version)
            txn.save(to_item(doc), condition=unchanged)
            if binding is not None:
                template_unchanged = (TemplateModel.version == binding.version) & (
                    TemplateModel.deleted_at.does_not_exist())
                binding.bind_token = uuid.uuid4().hex
                txn.save(binding, condition=template_unchanged)

        self._audit.write(doc.org_id, entry, build)


def to_item(doc: PolicyDocument) -> PolicyModel:
    """The stored form of a policy document."""
    return PolicyModel(
        doc.org_id, doc.cluster_id, version=doc.version, karpenter_enabled=doc.karpenter_enabled,
        karpenter_strategy=doc.karpenter_strategy.value, binpack_aggressiveness=doc.binpack_aggressiveness,
        fallback_enabled=doc.fallback_enabled, excluded_namespaces=list(doc.excluded_namespaces),
        template_id=doc.template_id, updated_at=doc.updated_at, updated_by=doc.updated_by, mode=doc.mode,
        max_disrupted_nodes=doc.disruption_budget.max_nodes, max_disrupted_percent=doc.disruption_budget.max_percent,
        payback_days=doc.threshold.payback_days, min_monthly_saving_usd=doc.threshold.min_monthly_saving_usd,
    )


def to_document(item: PolicyModel) -> PolicyDocument:
    """A policy document read back."""
    return PolicyDocument(
        org_id=item.org_id, cluster_id=item.cluster_id, version=int(item.version),
        karpenter_enabled=bool(item.karpenter_enabled), karpenter_strategy=Strategy(item.karpenter_strategy),
        binpack_aggressiveness=int(item.binpack_aggressiveness), fallback_enabled=bool(item.fallback_enabled),
        excluded_namespaces=tuple(item.excluded_namespaces or ()), template_id=item.template_id,
        updated_at=item.updated_at, updated_by=item.updated_by, mode=str(item.mode or "recommend"),
        disruption_budget=DisruptionBudget(int(item.max_disrupted_nodes or 3), int(item.max_disrupted_percent or 20)),
        # documents stored before the threshold existed read the defaults
        threshold=Threshold.from_dict({k: v for k, v in (("payback_days", item.payback_days),
                                       ("min_monthly_saving_usd", item.min_monthly_saving_usd)) if v is not None}),
    )
