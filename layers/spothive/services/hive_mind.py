"""The hive mind (SVC-RISK-GLB): flag pools from Spot warnings, and rank pools around live flags.

Ingest: an EventBridge ``EC2 Spot Instance Interruption Warning`` / ``EC2 Instance Rebalance
Recommendation`` event or an agent report → the pool (from the event, else the tenant's inventory) →
an anonymous flag in the shared cache. Scoring: the flags of the candidate pools in one lookup; DANGER
pools are left out, WARN pools are floored at CAUTION. With the cache down, scoring goes on with the
model's probabilities alone and says so (``degraded`` and ``reason``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spothive.domain.catalog import Catalog
from spothive.domain.errors import ServiceUnavailable
from spothive.domain.flag_ttl import FlagTtl, family_of, tune, tune_all
from spothive.domain.pricing import interruption_probability, pool_key
from spothive.domain.risk_signals import (
    WARN_PROBABILITY_FLOOR,
    FlagLevel,
    PoolFlag,
    SpotSignal,
    flagged_keys,
    parse_signal,
    pool_signal,
)
from spothive.domain.spot import PodRequirements, RankedPool, SpotPolicy, rank_pools, replicas_per_node
from spothive.ports.clock import Clock
from spothive.ports.risk import InstanceLocator, InterruptionHistory, RiskSignals

#: How far back seen interruptions tune the flag TTL.
LOOKBACK = timedelta(days=30)

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What happened to one event: ``flagged``, ``unresolved`` (pool unknown) or ``stale``."""

    status: str
    flag: PoolFlag | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the worker's return value."""
        return {"status": self.status, "flag": self.flag.as_dict() if self.flag else None, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class FlagLookup:
    """Live flags by ``RISK:{zone}:{type}``; ``degraded`` when the cache could not be read."""

    flags: Mapping[str, PoolFlag] = field(default_factory=dict)
    degraded: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class HiveRanking:
    """A ranking with the flags that shaped it and whether the hive mind was reachable."""

    pools: list[RankedPool]
    flags: Mapping[str, PoolFlag]
    degraded: bool
    reason: str | None


class HiveMind:
    """Use cases of the global risk tracker."""

    def __init__(
        self,
        signals: RiskSignals,
        clock: Clock,
        *,
        locator: InstanceLocator | None = None,
        ttl_seconds: int = 1800,
        window_seconds: int = 1800,
        history: InterruptionHistory | None = None,
    ) -> None:
        self._history = history
        self._signals = signals
        self._clock = clock
        self._locator = locator
        self._ttl = ttl_seconds
        self._window = window_seconds

    @property
    def window_seconds(self) -> int:
        """The sliding window a flag's interruption count covers."""
        return self._window

    def ingest(self, event: Mapping[str, Any]) -> IngestResult:
        """Parse (``InvalidInput`` naming the field), resolve the pool, flag it; the cache down raises."""
        now = self._clock.now()
        signal = self._resolve(parse_signal(event, now))
        if not signal.resolved:
            LOG.warning("spot %s for an instance no linked account knows; not flagged", signal.kind.value)
            return IngestResult("unresolved", reason="the instance's pool is not in any linked inventory")
        ttl = self._tuned_ttl(signal.instance_type or "", now)
        if now - signal.observed_at > timedelta(seconds=ttl):
            return IngestResult("stale", reason=f"observed at {signal.observed_at.isoformat()}, older than the TTL")
        flag = self._signals.flag(pool_signal(signal), ttl_seconds=ttl, window_seconds=self._window)
        if self._history is not None:
            self._history.record(family_of(signal.instance_type or ""), signal.observed_at)
        return IngestResult("flagged", flag)

    def _tuned_ttl(self, instance_type: str, now: datetime) -> int:
        """The family's tuned TTL once enough waves were seen, else the configured one."""
        if self._history is None:
            return self._ttl
        tuned = tune(family_of(instance_type), self._history.times(family_of(instance_type), now - LOOKBACK))
        return tuned.ttl_seconds if tuned.basis == "tuned" else self._ttl

    def flag_ttls(self) -> list[FlagTtl]:
        """Each family's flag TTL with its evidence (for the admin health view and the risk docs)."""
        if self._history is None:
            return []
        try:
            return tune_all(self._history.all_times(self._clock.now() - LOOKBACK))
        except ServiceUnavailable as exc:
            LOG.warning("interruption history unreadable: %s", exc.message)
            return []

    def _resolve(self, signal: SpotSignal) -> SpotSignal:
        """The pool of an event's instance, as SpotHive's own inventory knows it.

        EventBridge events reach the hub bus from any account, so a zone or instance type written in
        the event is never trusted: only an instance that a linked account's inventory holds flags a
        pool (a forged event for an unknown instance is ``unresolved``)."""
        if self._locator is None:
            return signal
        if not (signal.aws_account and signal.region and signal.instance_id):
            return signal
        found = self._locator.locate(signal.aws_account, signal.region, signal.instance_id)
        zone, itype = found if found is not None else (None, None)
        return SpotSignal(signal.kind, signal.instance_id, signal.region, signal.aws_account,
                          zone, itype, signal.observed_at)

    def lookup(self, pools: Sequence[tuple[str, str]]) -> FlagLookup:
        """Flags of the pools by exact key; with the cache down, no flags and ``degraded``."""
        try:
            return FlagLookup(self._signals.lookup(pools))
        except ServiceUnavailable as exc:
            LOG.warning("hive mind unreachable, scoring on the model alone: %s", exc.message)
            return FlagLookup({}, True, "hive mind unavailable: scored on the model alone")

    def rank(
        self,
        req: PodRequirements,
        catalog: Catalog,
        probabilities: Mapping[str, float],
        policy: SpotPolicy | None = None,
    ) -> HiveRanking:
        """``rank_pools`` with live flags: DANGER pools out, WARN pools at least ``WARN_PROBABILITY_FLOOR``."""
        lookup = self.lookup(candidate_pools(req, catalog, policy))
        adjusted = dict(probabilities)
        for flag in lookup.flags.values():
            if flag.level is FlagLevel.WARN:
                current = interruption_probability(catalog, flag.instance_type, flag.zone, probabilities)
                adjusted[pool_key(flag.zone, flag.instance_type)] = max(current, WARN_PROBABILITY_FLOOR)
        ranking = rank_pools(req, catalog, adjusted, flagged_keys(lookup.flags), policy)
        return HiveRanking(ranking, lookup.flags, lookup.degraded, lookup.reason)


def candidate_pools(
    req: PodRequirements, catalog: Catalog, policy: SpotPolicy | None = None
) -> list[tuple[str, str]]:
    """Every spot ``(zone, type)`` pool ``rank_pools`` could pick for ``req``: the keys worth looking up."""
    policy = policy or SpotPolicy()
    pools: list[tuple[str, str]] = []
    for itype in catalog.types.values():
        if policy.families and itype.family not in policy.families:
            continue
        if (req.arch is not None and itype.arch != req.arch) or replicas_per_node(itype, req) == 0:
            continue
        for zone, _ in catalog.spot_zones(itype.name):
            if not req.zones or zone in req.zones:
                pools.append((zone, itype.name))
    return pools
