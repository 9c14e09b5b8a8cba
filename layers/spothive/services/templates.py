"""Use cases of ``/api/templates``: CRUD, one default per org, and compatibility checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict, NotFound
from spothive.domain.family_rules import Compatibility, check_compatibility
from spothive.domain.identity import Principal
from spothive.domain.templates import NodeTemplate, TemplateSpec, validated_spec
from spothive.ports.clock import Clock
from spothive.ports.configuration import TemplateRepo

RESOURCE = "node_template"
DEFAULT_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class TemplateView:
    """A template and whether it is the org's default."""

    template: NodeTemplate
    is_default: bool


class TemplateService:
    """Node templates of the caller's org; every change is audited in the same transaction."""

    def __init__(self, repo: TemplateRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    def list_templates(self, principal: Principal) -> list[TemplateView]:
        """Live templates, by name, with the default flagged."""
        default = self._repo.default_id(principal.org_id)
        live = [t for t in self._repo.list_all(principal.org_id) if t.deleted_at is None]
        return [TemplateView(t, t.template_id == default) for t in sorted(live, key=lambda t: (t.spec.name, t.template_id))]

    def get(self, principal: Principal, template_id: str) -> TemplateView:
        """One live template; absent, deleted or another org's is ``NotFound``."""
        template = self._live(principal.org_id, template_id)
        return TemplateView(template, self._repo.default_id(principal.org_id) == template_id)

    def create(self, principal: Principal, spec: TemplateSpec) -> TemplateView:
        """Validate and store a new template."""
        spec = validated_spec(spec)
        now = self._clock.now()
        template = NodeTemplate(principal.org_id, f"tmpl-{uuid.uuid4().hex[:12]}", spec, now, now)
        entry = AuditEntry(principal.actor, "template.create", RESOURCE, template.template_id, None, template.to_doc())
        self._repo.create(template, entry)
        return TemplateView(template, False)

    def update(self, principal: Principal, template_id: str, spec: TemplateSpec) -> TemplateView:
        """Replace a template's spec (optimistic: a concurrent change makes this a ``Conflict``)."""
        spec = validated_spec(spec)
        current = self._live(principal.org_id, template_id)
        updated = current.revised(spec, self._clock.now())
        entry = AuditEntry(principal.actor, "template.update", RESOURCE, template_id, current.to_doc(), updated.to_doc())
        self._repo.update(updated, current.version, entry)
        return TemplateView(updated, self._repo.default_id(principal.org_id) == template_id)

    def delete(self, principal: Principal, template_id: str) -> None:
        """Soft-delete; refused (``Conflict``) while any cluster's policy uses the template."""
        current = self._live(principal.org_id, template_id)
        bound = self._repo.bound_clusters(principal.org_id, template_id)
        if bound:
            raise Conflict(
                f"template {template_id} is used by the policy of cluster(s) {', '.join(sorted(bound))}",
                field="template_id",
            )
        deleted = current.deleted(self._clock.now())
        entry = AuditEntry(principal.actor, "template.delete", RESOURCE, template_id, current.to_doc(), deleted.to_doc())
        self._repo.soft_delete(deleted, current.version, entry)

    def set_default(self, principal: Principal, template_id: str) -> TemplateView:
        """Make ``template_id`` the org's only default; concurrent calls serialise on the pointer item."""
        template = self._live(principal.org_id, template_id)
        for _ in range(DEFAULT_ATTEMPTS):
            previous = self._repo.default_id(principal.org_id)
            if previous == template_id:
                return TemplateView(template, True)
            entry = AuditEntry(
                principal.actor, "template.set_default", RESOURCE, template_id,
                {"default_template_id": previous}, {"default_template_id": template_id},
            )
            try:
                self._repo.set_default(principal.org_id, template_id, previous, entry)
                return TemplateView(template, True)
            except Conflict:
                self._live(principal.org_id, template_id)  # deleted meanwhile → NotFound
        raise Conflict("the default template is changing concurrently; retry", field="template_id")

    @staticmethod
    def validate(families: list[str], architectures: list[str], gpu: bool | None) -> Compatibility:
        """Errors and warnings for a families x architectures choice (nothing is stored)."""
        return check_compatibility(families, architectures, gpu)

    def _live(self, org_id: str, template_id: str) -> NodeTemplate:
        template = self._repo.get(org_id, template_id)
        if template is None or template.deleted_at is not None:
            raise NotFound(f"template {template_id} not found", field="template_id")
        return template
