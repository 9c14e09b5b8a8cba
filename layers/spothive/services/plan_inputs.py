"""What a cluster's plan is computed under: its stored policy and bound template (one read each)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spothive.domain.packing.model import PackingPolicy
from spothive.domain.plan_policy import packing_policy
from spothive.ports.configuration import PolicyRepo, TemplateRepo


class ClusterPolicies:
    """Reads the policy a cluster's projection, preview and execution obey (the same for all three)."""

    def __init__(self, policies: PolicyRepo, templates: TemplateRepo) -> None:
        self._policies = policies
        self._templates = templates

    def for_cluster(self, org_id: str, cluster_id: str, snapshot: Mapping[str, Any] | None) -> PackingPolicy:
        """The packing policy of ``cluster_id`` (the snapshot contributes pool facts only, see the domain)."""
        stored = self._policies.get(org_id, cluster_id)
        template = self._templates.get(org_id, stored.template_id) if stored and stored.template_id else None
        carried = snapshot.get("policy") if snapshot else None
        return packing_policy(stored, template, carried if isinstance(carried, Mapping) else None)
