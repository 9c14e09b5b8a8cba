"""Hysteresis for Spot pools SpotHive fell back from: a controlled return, never a flap.

A pool turns *unsafe* when the hive mind flags it DANGER or its interruption probability exceeds the
policy's limit; from then on SpotHive places no new capacity there (the plan reroutes to another zone, then
another family, then On-Demand). It returns only when both hold:

* it has been safe for ``hold`` (60 min by default: twice the hive mind's default 30-minute flag TTL, so a
  storm whose flag lapsed between two reports does not count as over), and
* its probability is at most ``ratio`` x the limit (0.5 by default: a pool hovering at the limit — 0.19
  against 0.2 — stays out until it is clearly below it).

Two thresholds and a dwell time are what keep a pool from flapping between Spot and On-Demand every time
one reading crosses the limit. Pure: stdlib only; the caller persists the watches between plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: How long a pool must stay safe before Spot capacity may return to it.
HOLD = timedelta(minutes=60)
#: A returning pool's probability must be at most this share of the limit.
RETURN_RATIO = 0.5


@dataclass(frozen=True, slots=True)
class PoolWatch:
    """A pool SpotHive left: when it was last seen unsafe, and why."""

    pool: str  # "zone:type"
    last_unsafe: datetime
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON form (what the store keeps)."""
        return {"pool": self.pool, "last_unsafe": self.last_unsafe.isoformat(), "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> PoolWatch:
        """Read back ``as_dict``."""
        return cls(str(data["pool"]), datetime.fromisoformat(str(data["last_unsafe"])), str(data["reason"]))


@dataclass(frozen=True, slots=True)
class Standing:
    """Whether a watched pool is still held out of new capacity, and the reason either way."""

    pool: str
    held: bool
    reason: str


def unsafe_reason(probability: float, limit: float, flagged: bool, flag_count: int = 0) -> str | None:
    """Why a pool is unsafe now (``None``: it is safe by this reading)."""
    if flagged:
        return f"flagged by the hive mind ({flag_count} interruption report(s))"
    if probability > limit:
        return f"interruption risk {probability:.0%}/month above the {limit:.0%} limit"
    return None


def observe(
    watches: Mapping[str, PoolWatch], unsafe: Mapping[str, str], now: datetime
) -> dict[str, PoolWatch]:
    """The watches after a reading: every pool unsafe now (pool → reason) is (re)stamped ``now``."""
    out = dict(watches)
    for pool, reason in unsafe.items():
        out[pool] = PoolWatch(pool, now, reason)
    return out


def standing(
    watch: PoolWatch,
    probability: float,
    limit: float,
    now: datetime,
    *,
    hold: timedelta = HOLD,
    ratio: float = RETURN_RATIO,
) -> Standing:
    """Held while it has been safe for less than ``hold`` or its risk is above ``ratio`` x ``limit``."""
    safe_for = now - watch.last_unsafe
    ceiling = ratio * limit
    since = _clock_time(watch.last_unsafe)  # a time, not "N min ago": the same inputs give the same reason
    if safe_for < hold:
        return Standing(watch.pool, True, f"held: {watch.reason} at {since}; Spot returns after "
                                          f"{int(hold.total_seconds() // 60)} min safe "
                                          f"(at {_clock_time(watch.last_unsafe + hold)})")
    if probability > ceiling:
        return Standing(watch.pool, True, f"held: safe since {since} but risk {probability:.1%} is above "
                                          f"{ratio:g} x the {limit:.0%} limit ({ceiling:.1%})")
    return Standing(watch.pool, False, f"returned: safe since {since} and risk {probability:.1%} at most "
                                       f"{ceiling:.1%}")


def _clock_time(at: datetime) -> str:
    """``2026-03-08 10:00 UTC``."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def settle(
    watches: Mapping[str, PoolWatch],
    probabilities: Mapping[str, float],
    limit: float,
    now: datetime,
    *,
    hold: timedelta = HOLD,
    ratio: float = RETURN_RATIO,
) -> tuple[dict[str, PoolWatch], list[Standing]]:
    """(watches still held, every watched pool's standing): a returned pool is forgotten.

    A pool without a probability reading counts as at the limit (not yet clearly safe)."""
    kept: dict[str, PoolWatch] = {}
    standings: list[Standing] = []
    for pool in sorted(watches):
        watch = watches[pool]
        found = standing(watch, probabilities.get(pool, limit), limit, now, hold=hold, ratio=ratio)
        standings.append(found)
        if found.held:
            kept[pool] = watch
    return kept, standings
