"""The hive mind's shared cache for the replay: flags in memory that expire on the simulated clock, with
the escalation rule of the Redis script (DANGER is never downgraded; interruptions count distinct members)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from spothive.domain.risk_signals import FlagLevel, PoolFlag, PoolSignal, SignalKind
from spothive_agent.clock import FakeClock


class ExpiringSignals:
    """``RiskSignals`` over a dict whose flags live ``ttl_seconds`` of simulated time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._flags: dict[str, tuple[PoolFlag, datetime]] = {}
        self._members: dict[str, set[str]] = {}

    def flag(self, signal: PoolSignal, *, ttl_seconds: int, window_seconds: int) -> PoolFlag:
        """Raise the pool's flag until ``ttl_seconds`` from now."""
        now = self._clock.now()
        current = self._live(signal.key, now)
        level = signal.kind.level
        if current is not None and current.level is FlagLevel.DANGER:
            level = FlagLevel.DANGER
        if current is None:
            self._members[signal.key] = set()
        if signal.kind is SignalKind.INTERRUPTION:
            self._members[signal.key].add(signal.member)
        flag = PoolFlag(signal.zone, signal.instance_type, level, len(self._members[signal.key]),
                        signal.observed_at.isoformat())
        self._flags[signal.key] = (flag, now + timedelta(seconds=ttl_seconds))
        return flag

    def lookup(self, pools: Sequence[tuple[str, str]]) -> dict[str, PoolFlag]:
        """Live flags of the given ``(zone, type)`` pools."""
        now = self._clock.now()
        wanted = set(pools)
        out = {}
        for key in list(self._flags):
            flag = self._live(key, now)
            if flag is not None and (flag.zone, flag.instance_type) in wanted:
                out[key] = flag
        return out

    def _live(self, key: str, now: datetime) -> PoolFlag | None:
        found = self._flags.get(key)
        if found is None:
            return None
        if found[1] <= now:
            self._flags.pop(key)
            return None
        return found[0]
