"""Optimization: the savings projection, optimization jobs and the workflow's steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import ExecutionSettings, WorkflowSettings
from spothive.wiring import (
    accounts,
    agents,
    configuration,
    inventory,
    kernel,
    lab,
    pricing,
    risk,
    workload_sizing,
)
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.dynamo.jobs_repo import DynamoJobsRepo
    from spothive.services.execution import ExecutionSteps
    from spothive.services.execution_access import ClusterAccess
    from spothive.services.execution_callbacks import ExecutionCallbacks
    from spothive.services.metrics import MetricsService
    from spothive.services.namespace_costs import NamespaceCostService
    from spothive.services.optimization import OptimizationSteps
    from spothive.services.optimization_jobs import OptimizationJobs
    from spothive.services.safe_mode import SafeModeService
    from spothive.services.utilization import RightSizing


@component
def metrics() -> MetricsService:
    """KPIs and the savings projection."""
    from spothive.adapters.solver.highs import HighsSolver
    from spothive.services.metrics import MetricsService

    return MetricsService(inventory.repo(), pricing.catalogs(), inventory.snapshots(), solver=HighsSolver(),
                          policies=configuration.cluster_policies(), rightsizing=rightsizing(),
                          pools=risk.pool_choice(),
                          # the latest preview of the same inputs, else the same pipeline on the heuristic
                          jobs=jobs(), hive=risk.hive_mind(), clock=kernel.clock(),
                          workloads=workload_sizing.workload_rightsizing())


@component
def rightsizing() -> RightSizing:
    """EC2 right-sizing from the CloudWatch histograms."""
    from spothive.services.utilization import RightSizing

    return RightSizing(inventory.repo(), inventory.utilization(), pricing.catalogs())


@component
def namespace_costs() -> NamespaceCostService:
    """Cost by namespace from the latest snapshot."""
    from spothive.services.namespace_costs import NamespaceCostService

    return NamespaceCostService(inventory.repo(), inventory.snapshots(), pricing.catalogs())


@component
def jobs() -> DynamoJobsRepo:
    """Optimization jobs."""
    from spothive.adapters.dynamo.jobs_repo import DynamoJobsRepo

    return DynamoJobsRepo(kernel.ledger(), kernel.clock().now)


@component
def optimization_jobs() -> OptimizationJobs:
    """Starting and reading optimization jobs."""
    from spothive.adapters.aws.step_functions import StepFunctionsStarter
    from spothive.services.optimization_jobs import OptimizationJobs

    arn = settings.load(WorkflowSettings).optimization_state_machine_arn
    return OptimizationJobs(jobs(), inventory.repo(), StepFunctionsStarter(arn, kernel.core().region), kernel.clock(),
                            snapshots=inventory.snapshots())


@component
def steps() -> OptimizationSteps:
    """The optimization workflow's steps: detect → risk → decide → execute → record."""
    from spothive.adapters.solver.highs import HighsSolver
    from spothive.services.optimization import OptimizationSteps

    return OptimizationSteps(
        jobs(), inventory.repo(), pricing.catalogs(), inventory.snapshots(), risk.LazyRiskModel(risk.risk_model),
        risk.hive_mind(), agents.heartbeats(), agents.actions(), kernel.safe_mode(), kernel.clock(),
        global_safe_mode=kernel.global_safe_mode(), solver=HighsSolver(), policies=configuration.cluster_policies(),
        wake=agents.wake(), router=lab.model_router(), executor=execution(), safe_modes=safe_modes(),
        pools=risk.pool_choice(),
    )


@component
def safe_modes() -> SafeModeService:
    """SAFE_MODE at the global, tenant and cluster levels (audited changes)."""
    from spothive.adapters.cache.safe_mode import RedisSafeModeSwitches
    from spothive.services.safe_mode import SafeModeService

    return SafeModeService(RedisSafeModeSwitches(kernel.cache()), kernel.ledger(), forced=kernel.global_safe_mode())


@component
def execution_callbacks() -> ExecutionCallbacks:
    """Resumes the workflow's waits from the agent's results (Step Functions task tokens)."""
    from spothive.adapters.aws.capacity import StepFunctionsCallbacks
    from spothive.services.execution_callbacks import ExecutionCallbacks

    return ExecutionCallbacks(jobs(), agents.actions(), StepFunctionsCallbacks(kernel.core().region))


@component
def cluster_access() -> ClusterAccess:
    """A cluster's customer account, node group and disruption budget."""
    from spothive.adapters.aws.capacity import StsCapacityCloud
    from spothive.services.execution_access import ClusterAccess

    return ClusterAccess(inventory.repo(), accounts.tenancy(), StsCapacityCloud(kernel.core().region),
                         configuration.policy_repo())


@component
def execution() -> ExecutionSteps:
    """CORE-EXEC: the wave steps (cordon, pre-spin, wait Ready, drain, terminate, roll back, verify)."""
    from spothive.services.execution import ExecutionSteps, ExecutionTimeouts

    access = cluster_access()
    config = settings.load(ExecutionSettings)
    return ExecutionSteps(
        jobs(), inventory.snapshots(), agents.actions(), safe_modes(), access.gateway, pricing.catalogs(),
        kernel.clock(), wake=agents.wake(), budget_for=access.budget,
        timeouts=ExecutionTimeouts(config.execution_ready_timeout_seconds, config.execution_drain_timeout_seconds),
        callbacks=execution_callbacks(),
    )
