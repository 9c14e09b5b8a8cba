"""Node templates in DynamoDB: one item per template and one default-pointer item per org.

Keys: ``(org_id, template_id)``; the pointer lives at ``template_id = "~default"``. Exactly one default
per org holds by construction: the pointer is a single item, moved by a put conditioned on its previous
value, in the same transaction as a check that the new template is live and the audit record.

Only puts, condition checks and deletes are used (never updates) so that the audit ledger's two puts
stay the last items of the transaction (see ``AuditStore.write``). ``bind_token`` changes whenever a
cluster policy binds the template; a delete conditioned on it cannot miss a binding made meanwhile.
"""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.adapters.dynamo.config_models import DEFAULT_POINTER, PolicyModel, TemplateModel
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.templates import NodeTemplate, Strategy, TemplateSpec


class DynamoTemplateRepo:
    """``TemplateRepo`` on the node-templates table; writes go through the audit store's transaction."""

    def __init__(self, audit: AuditStore) -> None:
        self._audit = audit

    def list_all(self, org_id: str) -> list[NodeTemplate]:
        items = TemplateModel.query(org_id, consistent_read=True)
        return [to_template(i) for i in items if i.template_id != DEFAULT_POINTER]

    def get(self, org_id: str, template_id: str) -> NodeTemplate | None:
        item = self._item(org_id, template_id)
        return to_template(item) if item else None

    def default_id(self, org_id: str) -> str | None:
        item = self._item(org_id, DEFAULT_POINTER)
        return item.default_template_id if item else None

    def bound_clusters(self, org_id: str, template_id: str) -> list[str]:
        return sorted(
            p.cluster_id for p in PolicyModel.query(org_id, consistent_read=True) if p.template_id == template_id
        )

    def create(self, template: NodeTemplate, entry: AuditEntry) -> None:
        def build(txn: TransactWrite) -> None:
            txn.save(to_item(template), condition=TemplateModel.template_id.does_not_exist())

        self._audit.write(template.org_id, entry, build)

    def update(self, template: NodeTemplate, expected_version: int, entry: AuditEntry) -> None:
        stored = self._item(template.org_id, template.template_id)
        token = stored.bind_token if stored else None

        def build(txn: TransactWrite) -> None:
            txn.save(to_item(template, token), condition=_live(expected_version))

        self._audit.write(template.org_id, entry, build)

    def soft_delete(self, template: NodeTemplate, expected_version: int, entry: AuditEntry) -> None:
        org_id, template_id = template.org_id, template.template_id
        stored = self._item(org_id, template_id)
        token = stored.bind_token if stored else None
        pointer = self.default_id(org_id)
        if self.bound_clusters(org_id, template_id):  # read after the token: a later bind changes the token
            raise Conflict(f"template {template_id} is used by a cluster policy", field="template_id")

        def build(txn: TransactWrite) -> None:
            unbound = TemplateModel.bind_token.does_not_exist() if token is None else TemplateModel.bind_token == token
            txn.save(to_item(template, token), condition=_live(expected_version) & unbound)
            if pointer == template_id:
                txn.save(TemplateModel(org_id, DEFAULT_POINTER, default_template_id=None),
                         condition=TemplateModel.default_template_id == template_id)
            else:
                txn.condition_check(
                    TemplateModel, org_id, DEFAULT_POINTER,
                    condition=TemplateModel.default_template_id.does_not_exist()
                    | (TemplateModel.default_template_id != template_id),
                )

        self._audit.write(org_id, entry, build)

    def set_default(self, org_id: str, template_id: str, previous: str | None, entry: AuditEntry) -> None:
        def build(txn: TransactWrite) -> None:
            txn.condition_check(TemplateModel, org_id, template_id,
                                condition=TemplateModel.version.exists() & TemplateModel.deleted_at.does_not_exist())
            moved_from = (TemplateModel.default_template_id.does_not_exist() if previous is None
                          else TemplateModel.default_template_id == previous)
            txn.save(TemplateModel(org_id, DEFAULT_POINTER, default_template_id=template_id), condition=moved_from)

        self._audit.write(org_id, entry, build)

    @staticmethod
    def _item(org_id: str, template_id: str) -> TemplateModel | None:
        try:
            return TemplateModel.get(org_id, template_id, consistent_read=True)
        except TemplateModel.DoesNotExist:
            return None


def _live(expected_version: int):  # type: ignore[no-untyped-def]
    return (TemplateModel.version == expected_version) & TemplateModel.deleted_at.does_not_exist()


def to_item(template: NodeTemplate, bind_token: str | None = None) -> TemplateModel:
    """The stored form of a template (``bind_token`` carried over unchanged)."""
    s = template.spec
    return TemplateModel(
        template.org_id, template.template_id, name=s.name, families=list(s.families),
        architectures=list(s.architectures), capacity_types=list(s.capacity_types), strategy=s.strategy.value,
        gpu=s.gpu, max_nodes=s.max_nodes, disruption_budget_percent=s.disruption_budget_percent,
        created_at=template.created_at, updated_at=template.updated_at, deleted_at=template.deleted_at,
        version=template.version, bind_token=bind_token,
    )


def to_template(item: TemplateModel) -> NodeTemplate:
    """A template read back."""
    spec = TemplateSpec(
        name=item.name or "", families=tuple(item.families or ()), architectures=tuple(item.architectures or ()),
        capacity_types=tuple(item.capacity_types or ()), strategy=Strategy(item.strategy or "balanced"),
        gpu=bool(item.gpu), max_nodes=int(item.max_nodes) if item.max_nodes is not None else None,
        disruption_budget_percent=int(item.disruption_budget_percent or 0),
    )
    return NodeTemplate(
        org_id=item.org_id, template_id=item.template_id, spec=spec, created_at=item.created_at,  # type: ignore[arg-type]
        updated_at=item.updated_at, version=int(item.version or 1), deleted_at=item.deleted_at,  # type: ignore[arg-type]
    )
