"""The cross-tenant pool-risk cache in memory, with the escalation rule of the Redis script."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

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


class MemoryMarketObservations:
    """``MarketObservations`` as a list of ``(kind, observed_at, rows)``; a replayed batch raises like S3."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, datetime, list[dict[str, Any]]]] = []

    def record(self, kind: str, observed_at: datetime, rows: Sequence[Mapping[str, Any]]) -> str:
        """Append one batch; the same kind at the same instant is refused (``If-None-Match: *``)."""
        if any(k == kind and at == observed_at for k, at, _ in self.batches):
            raise FileExistsError(f"{kind} at {observed_at.isoformat()} was already recorded")
        self.batches.append((kind, observed_at, [dict(r) for r in rows]))
        return f"market/{kind}/{observed_at.isoformat()}"
