"""Automation (WORK-OPT-01): the worker that starts jobs by policy mode, and the trigger discovery pulls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import AutomationSettings
from spothive.wiring import accounts, configuration, inventory, kernel, optimization
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.ports.jobs import OptimizeTrigger
    from spothive.services.automation import AutomationWorker


@component
def optimize_trigger() -> OptimizeTrigger:
    """Runs the automation worker after a scan: an async invoke when its function is named, else nothing."""
    from spothive.adapters.aws.optimize_trigger import LambdaOptimizeTrigger, NoOptimizeTrigger

    name = settings.load(AutomationSettings).optimize_function_name
    if name:
        return LambdaOptimizeTrigger(name, kernel.core().region)
    return NoOptimizeTrigger()


@component
def worker() -> AutomationWorker:
    """Starts previews and executions by each cluster's stored automation mode."""
    from spothive.services.automation import AutomationWorker

    return AutomationWorker(accounts.tenancy(), inventory.repo(), configuration.policy_repo(), optimization.jobs(),
                            inventory.snapshots(), optimization.safe_modes(), optimization.optimization_jobs(),
                            kernel.clock())
