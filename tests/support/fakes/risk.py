"""The cross-tenant pool-risk cache in memory, with the escalation rule of the Redis script."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spothive.domain.errors import ServiceUnavailable
from spothive.domain.risk_signals import FlagLevel, PoolFlag, PoolSignal, SignalKind


class MemorySignals:
    """``RiskSignals`` over a dict; ``down`` makes every call raise ``ServiceUnavailable``."""

    def __init__(self, flags: Mapping[str, PoolFlag] | None = None, *, down: bool = False) -> None:
        self.flags: dict[str, PoolFlag] = dict(flags or {})
        self.members: dict[str, set[str]] = {}
        self.lookups: list[int] = []  # pools asked for, per successful lookup
        self.calls = 0  # lookups attempted, the cache up or not
        self.down = down

    def flag(self, signal: PoolSignal, *, ttl_seconds: int, window_seconds: int) -> PoolFlag:
        """Raise the pool's flag, never downgrading DANGER; interruptions count distinct members."""
        if self.down:
            raise ServiceUnavailable("down")
        current = self.flags.get(signal.key)
        level = signal.kind.level
        if current is not None and current.level is FlagLevel.DANGER:
            level = FlagLevel.DANGER
        members = self.members.setdefault(signal.key, set())
        if signal.kind is SignalKind.INTERRUPTION:
            members.add(signal.member)
        flag = PoolFlag(signal.zone, signal.instance_type, level, len(members), signal.observed_at.isoformat())
        self.flags[signal.key] = flag
        return flag

    def lookup(self, pools: Sequence[tuple[str, str]]) -> dict[str, PoolFlag]:
        """Flags of the given ``(zone, type)`` pools, in one round trip."""
        self.calls += 1
        if self.down:
            raise ServiceUnavailable("down")
        self.lookups.append(len(pools))
        wanted = set(pools)
        return {k: f for k, f in self.flags.items() if (f.zone, f.instance_type) in wanted}
