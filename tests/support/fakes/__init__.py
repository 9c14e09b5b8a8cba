"""In-memory fakes of SpotHive's repository and store ports, shared by every test.

They live with the tests, not in ``adapters/``: the local stack runs on moto and a real Redis, so nothing
in the product needs them, and they carry test controls (a pinned clock, scripted failures). Each is
proven faithful to its real adapter by ``tests/contract``. ``Fakes`` wires them over one clock and one
ledger, as the process wiring does for the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tests.support.fakes.audit import MemoryLedger, MemorySink
from tests.support.fakes.clock import NOW, FixedClock
from tests.support.fakes.cloud import (
    RecordingTrigger,
    ScriptedAccount,
    ScriptedCloud,
    ScriptedEc2,
    ScriptedScaler,
    ScriptedScaling,
)
from tests.support.fakes.configuration import (
    MemoryHibernationRepo,
    MemoryPolicyRepo,
    MemoryTemplateRepo,
    RecordingPolicyEvents,
)
from tests.support.fakes.identity import MemoryDenyList, MemoryDirectory, MemoryRateLimiter
from tests.support.fakes.inventory import MemoryAgentTokens, MemoryHeartbeats, MemoryInventoryRepo, MemorySnapshotStore
from tests.support.fakes.jobs import MemoryAgentActions, MemoryJobsRepo, RecordingWorkflows
from tests.support.fakes.platform import (
    FixedCatalogs,
    MemoryHotPrices,
    MemoryInterruptionRates,
    MemoryLabRepo,
    MemoryModelRegistry,
    MemorySafeModeSwitches,
    SafeMode,
)
from tests.support.fakes.risk import MemorySignals
from tests.support.fakes.tenancy import MemoryTenancyRepo

__all__ = [
    "NOW", "Fakes", "FixedCatalogs", "FixedClock", "MemoryAgentActions", "MemoryAgentTokens", "MemoryDenyList",
    "MemoryDirectory", "MemoryHeartbeats", "MemoryHibernationRepo", "MemoryHotPrices", "MemoryInterruptionRates",
    "MemoryInventoryRepo", "MemoryJobsRepo", "MemoryLabRepo", "MemoryLedger", "MemoryModelRegistry",
    "MemoryPolicyRepo", "MemoryRateLimiter", "MemorySafeModeSwitches", "MemorySignals", "MemorySink", "MemorySnapshotStore", "MemoryTemplateRepo",
    "MemoryTenancyRepo", "RecordingPolicyEvents", "RecordingTrigger", "RecordingWorkflows", "SafeMode",
    "ScriptedAccount", "ScriptedCloud", "ScriptedEc2", "ScriptedScaler", "ScriptedScaling",
]


@dataclass
class Fakes:
    """Every fake over one clock and one ledger (what a unit test builds its service from)."""

    now: datetime = NOW
    clock: FixedClock = field(init=False)
    ledger: MemoryLedger = field(init=False)
    tenancy: MemoryTenancyRepo = field(init=False)
    inventory: MemoryInventoryRepo = field(init=False)
    snapshots: MemorySnapshotStore = field(init=False)
    tokens: MemoryAgentTokens = field(init=False)
    heartbeats: MemoryHeartbeats = field(init=False)
    templates: MemoryTemplateRepo = field(init=False)
    policies: MemoryPolicyRepo = field(init=False)
    policy_events: RecordingPolicyEvents = field(init=False)
    hibernation: MemoryHibernationRepo = field(init=False)
    jobs: MemoryJobsRepo = field(init=False)
    actions: MemoryAgentActions = field(init=False)
    workflows: RecordingWorkflows = field(init=False)
    directory: MemoryDirectory = field(init=False)
    deny_list: MemoryDenyList = field(init=False)
    rate_limiter: MemoryRateLimiter = field(init=False)
    hot_prices: MemoryHotPrices = field(init=False)
    safe_mode: SafeMode = field(init=False)
    lab: MemoryLabRepo = field(init=False)
    models: MemoryModelRegistry = field(init=False)
    rates: MemoryInterruptionRates = field(init=False)
    signals: MemorySignals = field(init=False)
    cloud: ScriptedCloud = field(init=False)
    trigger: RecordingTrigger = field(init=False)
    sink: MemorySink = field(init=False)

    def __post_init__(self) -> None:
        self.clock = FixedClock(self.now)
        self.ledger = MemoryLedger(self.clock)
        self.tenancy = MemoryTenancyRepo(self.ledger)
        self.inventory = MemoryInventoryRepo()
        self.snapshots = MemorySnapshotStore()
        self.tokens = MemoryAgentTokens(self.inventory, self.ledger)
        self.heartbeats = MemoryHeartbeats(self.clock)
        self.templates = MemoryTemplateRepo(self.ledger)
        self.policies = MemoryPolicyRepo(self.templates, self.ledger)
        self.policy_events = RecordingPolicyEvents()
        self.hibernation = MemoryHibernationRepo(self.ledger)
        self.jobs = MemoryJobsRepo(self.ledger, self.clock)
        self.actions = MemoryAgentActions()
        self.workflows = RecordingWorkflows()
        self.directory = MemoryDirectory(self.clock)
        self.deny_list = MemoryDenyList(self.clock)
        self.rate_limiter = MemoryRateLimiter(self.clock)
        self.hot_prices = MemoryHotPrices(self.clock)
        self.safe_mode = SafeMode(False)
        self.lab = MemoryLabRepo()
        self.models = MemoryModelRegistry(self.ledger)
        self.rates = MemoryInterruptionRates()
        self.signals = MemorySignals()
        self.cloud = ScriptedCloud()
        self.trigger = RecordingTrigger()
        self.sink = MemorySink()
