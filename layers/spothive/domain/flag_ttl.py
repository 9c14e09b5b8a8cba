"""How long a hive-mind flag lives, tuned per instance family from the interruptions SpotHive has seen.

A flag says "more interruptions are likely in this pool soon"; it should live as long as interruption
waves in that family last. Events of one family are split into waves wherever two follow each other by
more than ``WAVE_GAP`` (the longest TTL allowed: anything later could never have been covered by one
flag). The TTL is the 75th percentile of wave durations, bounded to 5-120 minutes: a family whose
interruptions come alone gets short flags (one does not announce the next), one whose waves run for an
hour gets hour-long flags. Under ``MIN_WAVES`` waves the fixed 30-minute default stands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_TTL = timedelta(minutes=30)
MIN_TTL, MAX_TTL = timedelta(minutes=5), timedelta(minutes=120)
WAVE_GAP = MAX_TTL
MIN_WAVES = 3
PERCENTILE = 0.75


@dataclass(frozen=True, slots=True)
class FlagTtl:
    """A family's flag TTL and the evidence behind it."""

    family: str
    ttl_seconds: int
    events: int
    waves: int
    p75_wave_minutes: float | None
    basis: str  # "tuned" | "default"
    reason: str

    def as_dict(self) -> dict[str, object]:
        """JSON form (admin health, risk docs)."""
        return {"family": self.family, "ttl_minutes": self.ttl_seconds / 60, "events": self.events,
                "waves": self.waves, "p75_wave_minutes": self.p75_wave_minutes, "basis": self.basis,
                "reason": self.reason}


def family_of(instance_type: str) -> str:
    """``m5`` of ``m5.xlarge``."""
    return instance_type.split(".", 1)[0]


def waves(times: Iterable[datetime]) -> list[timedelta]:
    """Durations of the waves in a family's event times (a lone event is a wave of zero length)."""
    ordered = sorted(times)
    if not ordered:
        return []
    out, first, last = [], ordered[0], ordered[0]
    for t in ordered[1:]:
        if t - last > WAVE_GAP:
            out.append(last - first)
            first = t
        last = t
    out.append(last - first)
    return out


def tune(family: str, times: Iterable[datetime]) -> FlagTtl:
    """The TTL for one family from its event times."""
    times = list(times)
    found = sorted(waves(times))
    if len(found) < MIN_WAVES:
        return FlagTtl(family, int(DEFAULT_TTL.total_seconds()), len(times), len(found), None, "default",
                       f"{len(found)} wave(s) seen, {MIN_WAVES} needed: the 30-minute default")
    p75 = found[max(0, math.ceil(PERCENTILE * len(found)) - 1)]
    ttl = min(MAX_TTL, max(MIN_TTL, p75))
    minutes = round(p75.total_seconds() / 60, 1)
    bound = " (bounded)" if ttl != p75 else ""
    return FlagTtl(family, int(ttl.total_seconds()), len(times), len(found), minutes, "tuned",
                   f"p75 of {len(found)} waves is {minutes} min{bound}")


def tune_all(events: Mapping[str, Iterable[datetime]]) -> list[FlagTtl]:
    """Every family's TTL, by family name."""
    return [tune(family, times) for family, times in sorted(events.items())]
