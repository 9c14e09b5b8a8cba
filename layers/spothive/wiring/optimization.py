"""Optimization: the savings projection, optimization jobs and the workflow's steps."""

from __future__ import annotations

from spothive import settings
from spothive.adapters.aws.step_functions import StepFunctionsStarter
from spothive.adapters.dynamo.jobs_repo import DynamoJobsRepo
from spothive.adapters.solver.highs import HighsSolver
from spothive.services.metrics import MetricsService
from spothive.services.namespace_costs import NamespaceCostService
from spothive.services.optimization import OptimizationSteps
from spothive.services.optimization_jobs import OptimizationJobs
from spothive.services.utilization import RightSizing
from spothive.settings import WorkflowSettings
from spothive.wiring import agents, configuration, inventory, kernel, lab, pricing, risk
from spothive.wiring.registry import component


@component
def metrics() -> MetricsService:
    """KPIs and the savings projection."""
    return MetricsService(inventory.repo(), pricing.catalogs(), inventory.snapshots(), solver=HighsSolver(),
                          policies=configuration.cluster_policies(), rightsizing=rightsizing())


@component
def rightsizing() -> RightSizing:
    """EC2 right-sizing from the CloudWatch histograms."""
    return RightSizing(inventory.repo(), inventory.utilization(), pricing.catalogs())


@component
def namespace_costs() -> NamespaceCostService:
    """Cost by namespace from the latest snapshot."""
    return NamespaceCostService(inventory.repo(), inventory.snapshots(), pricing.catalogs())


@component
def jobs() -> DynamoJobsRepo:
    """Optimization jobs."""
    return DynamoJobsRepo(kernel.ledger(), kernel.clock().now)


@component
def optimization_jobs() -> OptimizationJobs:
    """Starting and reading optimization jobs."""
    arn = settings.load(WorkflowSettings).optimization_state_machine_arn
    return OptimizationJobs(jobs(), inventory.repo(), StepFunctionsStarter(arn, kernel.core().region), kernel.clock())


@component
def steps() -> OptimizationSteps:
    """The optimization workflow's steps: detect → risk → decide → execute → record."""
    return OptimizationSteps(
        jobs(), inventory.repo(), pricing.catalogs(), inventory.snapshots(), risk.LazyRiskModel(risk.risk_model),
        risk.hive_mind(), agents.heartbeats(), agents.actions(), kernel.safe_mode(), kernel.clock(),
        global_safe_mode=kernel.global_safe_mode(), solver=HighsSolver(), policies=configuration.cluster_policies(),
        wake=agents.wake(), router=lab.model_router(),
    )
