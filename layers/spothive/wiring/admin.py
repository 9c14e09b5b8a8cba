"""The platform owner's side: the client list (impersonation lives with identity)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings, topology
from spothive.components import component_id
from spothive.services.worker_health import Watched
from spothive.settings import HealthSettings
from spothive.wiring import accounts, agents, inventory, kernel, pricing, risk
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.ports.worker_health import RunTelemetry
    from spothive.services.admin_clients import AdminClients
    from spothive.services.worker_health import WorkerHealthService

#: Every scheduled worker, then every state machine.
WATCHED = tuple(
    [Watched(s.function, component_id(s.function), "worker") for s in topology.SCHEDULES]
    + [Watched(m.name, component_id(m.name), "state-machine") for m in topology.STATE_MACHINES]
)


@component
def clients() -> AdminClients:
    """Every client org with its accounts, agents, spend and savings."""
    from spothive.services.admin_clients import AdminClients

    return AdminClients(accounts.tenancy(), inventory.repo(), agents.heartbeats(), pricing.catalogs())


@component
def run_telemetry() -> RunTelemetry:
    """CloudWatch, Step Functions and SQS on AWS; the local runtime's counters (and moto) locally."""
    from spothive.adapters.aws.run_telemetry import AwsRunTelemetry, LocalRunTelemetry
    from spothive.adapters.memory.run_counters import RUNS

    s = settings.load(HealthSettings)
    if s.run_telemetry == "local":
        return LocalRunTelemetry(RUNS, s.health_state_machine_arns, s.health_dead_letter_urls, s.region,
                                 s.aws_endpoint_url)
    return AwsRunTelemetry(s.health_function_names, s.health_state_machine_arns, s.health_dead_letter_urls,
                           s.region, s.aws_endpoint_url)


@component
def worker_health() -> WorkerHealthService:
    """The workers' and state machines' health, global SAFE_MODE, the agents' action backlog and the hive
    mind's flag TTLs."""
    from spothive.services.worker_health import WorkerHealthService

    return WorkerHealthService(run_telemetry(), kernel.safe_mode(), kernel.clock(), WATCHED,
                               backlog=agents.actions(), flag_ttls=risk.hive_mind().flag_ttls)
