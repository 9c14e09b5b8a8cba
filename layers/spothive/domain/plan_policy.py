"""The packing policy a plan obeys: the cluster's stored policy and bound node template, never the
uploaded snapshot's say about how much the server may compute.

A snapshot may carry a ``policy`` (the ``spothive plan`` format); the hub keeps from it only facts about
pools (``pool_risk``, ``flagged_pools``, ``max_pool_share``, ``max_interruption_probability``) and, while
the cluster has no stored policy yet, its packing fields. Solver budgets always come from the server
(a snapshot that asked for a 60 s MILP budget made the projection take a minute).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from spothive.domain.packing.model import PackingPolicy, policy_from_dict
from spothive.domain.policies import ALWAYS_EXCLUDED, PolicyDocument
from spothive.domain.templates import NodeTemplate

#: What a snapshot's policy may never set on the hub.
_SERVER_ONLY = ("solver",)


def packing_policy(
    stored: PolicyDocument | None,
    template: NodeTemplate | None,
    snapshot_policy: Mapping[str, Any] | None = None,
) -> PackingPolicy:
    """The policy of one cluster's plan; ``stored`` with ``version`` > 0 wins over the snapshot's fields."""
    carried = {k: v for k, v in dict(snapshot_policy or {}).items() if k not in _SERVER_ONLY}
    base = policy_from_dict(carried)
    if stored is None or stored.version == 0:
        return base
    excluded = frozenset({ALWAYS_EXCLUDED, *stored.excluded_namespaces})
    policy = replace(
        base,
        aggressiveness=stored.binpack_aggressiveness,
        spot_fallback_on_demand=stored.fallback_enabled,
        excluded_namespaces=excluded,
    )
    if template is not None and template.deleted_at is None:
        spec = template.spec
        policy = replace(
            policy,
            families=frozenset(spec.families),
            architectures=frozenset(spec.architectures),
            spot_allowed="spot" in spec.capacity_types,
        )
    return policy


def carried_policy(snapshot: Mapping[str, Any]) -> PackingPolicy:
    """The policy of a snapshot planned without stored settings: its own ``policy`` field, server budgets."""
    raw = snapshot.get("policy")
    return packing_policy(None, None, raw if isinstance(raw, Mapping) else None)
