"""One policy's replayed week: the trace cluster on the simulator, load every 5 minutes, interruptions and
the policy every minute, the shared provisioner, and the ledger's summary at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from spothive.domain.catalog import Catalog
from spothive.ports.risk import RiskModel
from spothive.services.hive_mind import HiveMind
from spothive.services.risk_heuristic import HeuristicRiskModel
from spothive_agent.clock import FakeClock

from .accounting import Summary
from .hive import ExpiringSignals
from .interruptions import Interruptions, Storm
from .meter import Meter
from .policies import CostOnly, KarpenterLike, NoOptimization, Policy, SpotHiveLoop
from .provisioner import Provisioner
from .sim import ReplayCluster
from .trace import TraceCluster, seed
from .week import START, replicas_at

#: SpotHive's loop before the risk-aware pool choice (flags only kept new capacity out): the baseline beside.
BEFORE = "spothive-before"
POLICIES = ("none", "cost-only", "karpenter", BEFORE, "spothive")
#: SpotHive's loop with a hive mind nobody reports to: what the cross-tenant flags are worth.
ABLATION = "spothive-no-hive"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A policy's summary and what the run itself saw."""

    policy: str
    summary: Summary
    notices: int
    storm_notices: int
    storm_pools: tuple[str, ...]
    seconds: float
    extra: dict[str, int]
    meter_dollars: float
    meter_pending_minutes: float

    @property
    def meter_agrees(self) -> bool:
        """The ledger's dollars and total Pending minutes match the independent meter (0.5 %, 1 minute)."""
        pending = sum(self.summary.pending_minutes.values())
        return (abs(self.summary.dollars - self.meter_dollars) <= 0.005 * max(self.meter_dollars, 1.0)
                and abs(pending - self.meter_pending_minutes) <= max(1.0, 0.005 * self.meter_pending_minutes))


def storms(days: float) -> list[Storm]:
    """Two storms: Tuesday 10:00 and Thursday 16:00 (or inside a shorter span, at 30 % and 70 % of it)."""
    if days >= 4:
        return [Storm(timedelta(days=1, hours=10)), Storm(timedelta(days=3, hours=16))]
    return [Storm(timedelta(days=days * 0.3)), Storm(timedelta(days=days * 0.7))]


def risk_model(kind: str, data: Path | None = None) -> RiskModel:
    """``heuristic`` (the Advisor-bucket table) or ``model`` (the shipped LightGBM artifact in the Advisor
    feed's and catalog's context, as ``bench_risk`` loads it)."""
    if kind == "heuristic":
        return HeuristicRiskModel()
    if kind != "model":
        raise ValueError(f"unknown risk model {kind!r}")
    from spothive_models.datasets import LabeledSnapshot, load_source
    from spothive_models.features import RiskContext
    from spothive_models.serving import LightGBMRiskModel

    context = RiskContext()
    if data is not None:
        feed = load_source(data / "spot-advisor-data_2021-02.json")
        assert isinstance(feed, LabeledSnapshot)
        context = RiskContext.from_sources([feed, load_source(data / "ec2_instance_types_karpenter.csv")])
    return LightGBMRiskModel.from_artifact(context=context)


def make_policy(name: str, catalog: Catalog, clock: FakeClock, signals: ExpiringSignals,
                model: RiskModel | None = None) -> Policy:
    """The named policy, wired to the run's clock (and, for SpotHive, the hive mind and ``model``)."""
    if name == "none":
        return NoOptimization()
    if name == "cost-only":
        return CostOnly(catalog, clock)
    if name == "karpenter":
        return KarpenterLike(catalog, clock)
    if name in ("spothive", ABLATION, BEFORE):
        return SpotHiveLoop(catalog, clock, HiveMind(signals, clock), model or HeuristicRiskModel(),
                            pool_choice=name != BEFORE)
    raise ValueError(f"unknown policy {name!r}")


def replay(policy_name: str, trace: TraceCluster, catalog: Catalog, days: float = 7.0, seed_value: int = 1,
           model: RiskModel | None = None) -> Outcome:
    """Replay ``days`` under one policy and summarise it."""
    started = time.perf_counter()
    clock = FakeClock(START)
    cluster = ReplayCluster(clock, catalog)
    seed(cluster, trace, {w.name: replicas_at(w.peak, w.qos, START) for w in trace.workloads})
    signals = ExpiringSignals(clock)
    policy = make_policy(policy_name, catalog, clock, signals, model)
    feed = None
    if isinstance(policy, SpotHiveLoop) and policy_name != ABLATION:
        loop = policy

        def feed(zone: str, itype: str, at: datetime, member: str) -> None:
            loop.heard(zone, itype, at, member, signals)

    interruptions = Interruptions(START, storms(days), seed=seed_value, feed=feed)
    provisioner = Provisioner()
    meter = Meter(catalog)
    minutes = int(days * 24 * 60)
    for minute in range(minutes):
        now = clock.now()
        if minute % 5 == 0:
            for w in trace.workloads:
                cluster.scale(w.name, replicas_at(w.peak, w.qos, now))
        interruptions.step(cluster, now)
        policy.step(cluster, now)
        provisioner.step(cluster)
        meter.sample(cluster)
        clock.advance(60)
        cluster.tick()
    summary = cluster.ledger.summary(clock.now())
    counters = ("plans", "blocked_groups", "small_groups", "flag_replans", "risk_moves", "risk_pods", "risk_replans")
    extra = {k: int(getattr(policy, k)) for k in counters if hasattr(policy, k)}
    if isinstance(policy, SpotHiveLoop):
        extra.update(groups_done=policy.executor.done, groups_aborted=policy.executor.aborted)
    return Outcome(policy_name, summary, interruptions.notices, interruptions.storm_notices,
                   tuple(f"{s.pool[0]}:{s.pool[1]}" if s.pool else "-" for s in interruptions.storms),
                   time.perf_counter() - started, extra, meter.dollars, meter.pending_minutes)
