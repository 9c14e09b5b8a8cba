"""What a cluster's plan is computed under: its stored policy and bound template (one read each)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.packing.model import PackingPolicy
from spothive.domain.plan_policy import packing_policy
from spothive.ports.configuration import PolicyRepo, TemplateRepo


@dataclass(frozen=True, slots=True)
class VersionedPolicy:
    """The packing policy and the versions it was read at (0: the default document, never stored)."""

    policy: PackingPolicy
    version: int = 0
    template_id: str | None = None
    template_version: int | None = None


class ClusterPolicies:
    """Reads the policy a cluster's projection, preview and execution obey (the same for all three)."""

    def __init__(self, policies: PolicyRepo, templates: TemplateRepo) -> None:
        self._policies = policies
        self._templates = templates

    def for_cluster(self, org_id: str, cluster_id: str, snapshot: Mapping[str, Any] | None) -> PackingPolicy:
        """The packing policy of ``cluster_id`` (the snapshot contributes pool facts only, see the domain)."""
        return self.versioned(org_id, cluster_id, snapshot).policy

    def versioned(self, org_id: str, cluster_id: str, snapshot: Mapping[str, Any] | None) -> VersionedPolicy:
        """The packing policy with the stored policy's and bound template's versions (what a plan names)."""
        stored = self._policies.get(org_id, cluster_id)
        template = self._templates.get(org_id, stored.template_id) if stored and stored.template_id else None
        carried = snapshot.get("policy") if snapshot else None
        policy = packing_policy(stored, template, carried if isinstance(carried, Mapping) else None)
        return VersionedPolicy(policy, stored.version if stored else 0, template.template_id if template else None,
                               template.version if template else None)
