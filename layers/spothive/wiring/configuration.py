"""Configuration: node templates, cluster policies and hibernation schedules (and the worker applying them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive.wiring import accounts, inventory, kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.dynamo.hibernation_repo import DynamoHibernationRepo
    from spothive.adapters.dynamo.policies_repo import DynamoPolicyRepo
    from spothive.adapters.dynamo.templates_repo import DynamoTemplateRepo
    from spothive.services.hibernation import HibernationService, HibernationWorker
    from spothive.services.plan_inputs import ClusterPolicies
    from spothive.services.policies import PolicyService
    from spothive.services.templates import TemplateService


@component
def template_repo() -> DynamoTemplateRepo:
    """Node templates and the org's default pointer."""
    from spothive.adapters.dynamo.templates_repo import DynamoTemplateRepo

    return DynamoTemplateRepo(kernel.ledger())


@component
def templates() -> TemplateService:
    """Node template use cases."""
    from spothive.services.templates import TemplateService

    return TemplateService(template_repo(), kernel.clock())


@component
def policy_repo() -> DynamoPolicyRepo:
    """Per-cluster policy documents."""
    from spothive.adapters.dynamo.policies_repo import DynamoPolicyRepo

    return DynamoPolicyRepo(kernel.ledger())


@component
def policies() -> PolicyService:
    """Versioned per-cluster policies, with change events in Redis."""
    from spothive.adapters.cache.policy_events import RedisPolicyEventPublisher
    from spothive.services.policies import PolicyService

    return PolicyService(policy_repo(), template_repo(), inventory.repo(),
                         RedisPolicyEventPublisher(kernel.cache()), kernel.clock())


@component
def cluster_policies() -> ClusterPolicies:
    """The stored policy and bound template every plan of a cluster obeys."""
    from spothive.services.plan_inputs import ClusterPolicies

    return ClusterPolicies(policy_repo(), template_repo())


@component
def hibernation_repo() -> DynamoHibernationRepo:
    """Hibernation schedules."""
    from spothive.adapters.dynamo.hibernation_repo import DynamoHibernationRepo

    return DynamoHibernationRepo(kernel.ledger())


@component
def hibernation() -> HibernationService:
    """Hibernation schedule use cases."""
    from spothive.services.hibernation import HibernationService

    return HibernationService(hibernation_repo(), inventory.repo(), kernel.clock())


@component
def hibernation_worker() -> HibernationWorker:
    """The 1-minute worker that sleeps and wakes node groups."""
    from spothive.services.hibernation import HibernationWorker
    from spothive.services.hibernation_karpenter import KarpenterHibernation
    from spothive.wiring import (
        agents,  # the agent wiring reaches risk, which the config functions need not load
        optimization,  # SAFE_MODE levels are composed there (it imports configuration)
    )

    karpenter = KarpenterHibernation(agents.actions(), agents.wake())
    return HibernationWorker(hibernation_repo(), inventory.repo(), accounts.tenancy(), accounts.cloud(),
                             kernel.safe_mode(), kernel.clock(), karpenter, safe_modes=optimization.safe_modes())
