"""Every shared fake offers each method of its port with the port's parameters (drift fails here first;
``tests/contract`` then proves the behaviour)."""

from __future__ import annotations

import inspect

import pytest

from spothive.ports import (
    agents,
    audit,
    clock,
    cloud,
    configuration,
    identity,
    inventory,
    jobs,
    lab,
    pricing,
    risk,
    safety,
    scaling,
    tenancy,
)
from tests.support import fakes
from tests.support.fakes.risk import MemoryMarketObservations

PAIRS = [
    (tenancy.TenancyRepo, fakes.MemoryTenancyRepo), (inventory.InventoryRepo, fakes.MemoryInventoryRepo),
    (inventory.SnapshotStore, fakes.MemorySnapshotStore), (inventory.DiscoveryTrigger, fakes.RecordingTrigger),
    (audit.AuditLedger, fakes.MemoryLedger), (audit.ExportSink, fakes.MemorySink),
    (configuration.TemplateRepo, fakes.MemoryTemplateRepo), (configuration.PolicyRepo, fakes.MemoryPolicyRepo),
    (configuration.PolicyEventPublisher, fakes.RecordingPolicyEvents),
    (configuration.HibernationRepo, fakes.MemoryHibernationRepo), (jobs.JobsRepo, fakes.MemoryJobsRepo),
    (jobs.ClusterJobs, fakes.MemoryJobsRepo),
    (jobs.WorkflowStarter, fakes.RecordingWorkflows), (agents.AgentTokens, fakes.MemoryAgentTokens),
    (agents.Heartbeats, fakes.MemoryHeartbeats),
    (pricing.HotPrices, fakes.MemoryHotPrices), (pricing.CatalogSource, fakes.FixedCatalogs),
    (identity.IdentityProvider, fakes.MemoryDirectory), (identity.TokenVerifier, fakes.MemoryDirectory),
    (identity.TokenDenyList, fakes.MemoryDenyList), (identity.RateLimiter, fakes.MemoryRateLimiter),
    (risk.ModelRegistry, fakes.MemoryModelRegistry), (risk.InterruptionRates, fakes.MemoryInterruptionRates),
    (risk.RiskSignals, fakes.MemorySignals), (lab.LabRepo, fakes.MemoryLabRepo), (lab.SwitchCloud, fakes.ScriptedEc2),
    (lab.SwitchGateway, fakes.ScriptedEc2), (safety.SafeModeFlag, fakes.SafeMode), (clock.Clock, fakes.FixedClock),
    (cloud.CloudAccess, fakes.ScriptedCloud), (scaling.ScalingAccess, fakes.ScriptedScaling),
    (risk.MarketObservations, MemoryMarketObservations),
    (scaling.FleetScaler, fakes.ScriptedScaler),
]


def methods(cls: type) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(fn).parameters)
        for name, fn in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")
    }


@pytest.mark.parametrize(("port", "fake"), PAIRS, ids=[f"{p.__name__}-{f.__name__}" for p, f in PAIRS])
def test_the_fake_has_every_method_of_its_port_with_the_same_parameters(port, fake):
    wanted, offered = methods(port), methods(fake)
    assert {name: offered.get(name) for name in wanted} == wanted
