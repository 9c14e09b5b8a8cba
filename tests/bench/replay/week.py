"""The replayed week: a Monday-to-Sunday clock in 1-minute ticks and a diurnal load curve per QoS class.

Latency-sensitive services peak mid-afternoon UTC and fall to 55 % at night; best-effort batch peaks at
night (03:00) and falls to 40 % by day; weekends run at 85 % of weekdays. The trace's pod counts are the
peak, so the trace cluster is sized for it and "no optimization" never leaves a pod Pending.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
CURVES = {"LS": (0.55, 15.0), "Guaranteed": (0.55, 15.0), "BE": (0.40, 3.0)}  # floor, peak hour (UTC)
WEEKEND = 0.85


def load_factor(qos: str, at: datetime) -> float:
    """Share of the peak replica count wanted at ``at`` (1.0 at a weekday's peak hour)."""
    floor, peak_hour = CURVES.get(qos, CURVES["LS"])
    hour = at.hour + at.minute / 60
    wave = 0.5 + 0.5 * math.cos(2 * math.pi * (hour - peak_hour) / 24)
    factor = floor + (1 - floor) * wave
    return factor * (WEEKEND if at.weekday() >= 5 else 1.0)


def replicas_at(peak: int, qos: str, at: datetime) -> int:
    """Replicas wanted at ``at``: at least one for every workload."""
    return max(1, round(peak * load_factor(qos, at)))
