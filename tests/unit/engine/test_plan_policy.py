"""Given a cluster's stored policy and template, the packing policy of its plans follows them."""

from __future__ import annotations

from datetime import UTC, datetime

from spothive.domain.packing.model import PackingPolicy
from spothive.domain.plan_policy import packing_policy
from spothive.domain.policies import PolicyDocument
from spothive.domain.templates import NodeTemplate, TemplateSpec

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _template(**spec: object) -> NodeTemplate:
    fields = {"name": "t", "families": ("m6i", "c6i"), "architectures": ("amd64",), "capacity_types": ("on-demand",)}
    return NodeTemplate("org-1", "tpl-1", TemplateSpec(**{**fields, **spec}), NOW, NOW)  # type: ignore[arg-type]


def test_a_snapshot_never_sets_the_solver_budget() -> None:
    # Given a snapshot asking for a 60 s MILP over a million pods
    policy = packing_policy(None, None, {"solver": {"time_limit_s": 60, "milp_max_pods": 1_000_000}})
    # Then the server's budgets stand
    assert policy.milp_time_limit_s == PackingPolicy().milp_time_limit_s
    assert policy.milp_max_pods == PackingPolicy().milp_max_pods


def test_the_stored_policy_wins_over_the_snapshot() -> None:
    # Given a stored policy (bin-pack 70, no fallback, namespace shop excluded) and a snapshot saying 30
    stored = PolicyDocument("org-1", "c-1", version=3, binpack_aggressiveness=70, fallback_enabled=False,
                            excluded_namespaces=("shop",))
    policy = packing_policy(stored, None, {"aggressiveness": 30, "pool_risk": {"us-east-1a/m5.large": 0.4}})
    # Then the plan packs at 70, never falls back, and leaves shop and kube-system alone
    assert policy.aggressiveness == 70
    assert policy.spot_fallback_on_demand is False
    assert policy.excluded_namespaces == frozenset({"shop", "kube-system"})
    # And the snapshot's pool facts are kept
    assert policy.pool_risk == {"us-east-1a/m5.large": 0.4}


def test_the_bound_template_sets_families_architectures_and_capacity() -> None:
    # Given a policy bound to an On-Demand-only amd64 template of m6i and c6i
    stored = PolicyDocument("org-1", "c-1", version=1, template_id="tpl-1")
    policy = packing_policy(stored, _template(), None)
    # Then the plan may use exactly those families, that architecture, and no Spot
    assert policy.families == frozenset({"m6i", "c6i"})
    assert policy.architectures == frozenset({"amd64"})
    assert policy.spot_allowed is False


def test_the_default_document_leaves_the_snapshot_policy() -> None:
    # Given no stored policy yet (version 0) and a snapshot packing at 35
    policy = packing_policy(PolicyDocument("org-1", "c-1"), _template(), {"aggressiveness": 35})
    # Then the snapshot's packing fields apply
    assert policy.aggressiveness == 35
    assert policy.families == frozenset()
