"""The static interruption-risk baseline: the Advisor bucket table, the price-volatility term and the
live-interruption floor. Set by hand from the bucket meanings, not fitted; the served model is judged
against it and falls back to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

#: Advisor bucket → probability that the pool is in bucket >= 3 (> 15 %/month) at the next look.
STATIC_BUCKET_PROBABILITY: Mapping[int, float] = {0: 0.10, 1: 0.20, 2: 0.35, 3: 0.65, 4: 0.85}
#: Used when no bucket is known for the pool.
UNKNOWN_BUCKET_PROBABILITY = 0.35
#: Price volatility adds ``VOLATILITY_WEIGHT * cv`` (cv = std / mean of the history),
#: at most ``VOLATILITY_CAP``.
VOLATILITY_WEIGHT = 0.5
VOLATILITY_CAP = 0.15
#: A pool with live interruptions in the hive mind is at least this risky (AVOID).
LIVE_INTERRUPTION_FLOOR = 0.6


def static_probability(bucket: int | None) -> float:
    """The table value for ``bucket`` (``None`` → the unknown prior)."""
    if bucket is None:
        return UNKNOWN_BUCKET_PROBABILITY
    return STATIC_BUCKET_PROBABILITY[bucket]


def volatility(history: Sequence[float]) -> float:
    """Coefficient of variation (population std / mean) of a price history; 0 for fewer than 2 points."""
    if len(history) < 2:
        return 0.0
    mean = sum(history) / len(history)
    if mean <= 0:
        return 0.0
    variance = sum((x - mean) ** 2 for x in history) / len(history)
    return math.sqrt(variance) / mean


def heuristic_probability(bucket: int | None, history: Sequence[float], live_interruptions: int = 0) -> float:
    """Table value plus the capped volatility term, floored by live interruptions, clipped to 0.01..0.99."""
    probability = static_probability(bucket) + min(VOLATILITY_CAP, VOLATILITY_WEIGHT * volatility(history))
    if live_interruptions > 0:
        probability = max(probability, LIVE_INTERRUPTION_FLOOR)
    return round(min(max(probability, 0.01), 0.99), 6)
