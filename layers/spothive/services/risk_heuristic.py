"""Static interruption-risk heuristic and the fallback wrapper that uses it when the model fails.

The heuristic maps the latest Spot Advisor bucket to a probability with a fixed table (set by hand from
the bucket meanings, not fitted), adds a price-volatility term and floors the result when the hive mind has
seen live interruptions in the pool.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable, Mapping, Sequence

from spothive.contracts.risk_v1 import (
    RiskInput,
    RiskOutput,
    confidence_score,
    recommended_action,
)
from spothive.ports.risk import RiskModel

LOG = logging.getLogger(__name__)

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

BucketLookup = Callable[[str, str], int | None]


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


class HeuristicRiskModel:
    """A :class:`RiskModel` that needs no ML runtime."""

    version = "heuristic-v1"

    def __init__(self, bucket_lookup: BucketLookup | None = None) -> None:
        """``bucket_lookup(region, instance_type)`` gives the latest Advisor bucket when inputs lack one."""
        self._lookup = bucket_lookup

    def predict_one(self, item: RiskInput, reason: str | None = None) -> RiskOutput:
        """Score one input."""
        feats = item.features
        bucket = feats.advisor_bucket
        if bucket is None and self._lookup is not None:
            bucket = self._lookup(feats.pool_region, feats.instance_type)
        probability = heuristic_probability(bucket, feats.spot_price_history, feats.live_interruptions or 0)
        coverage = 0.6 if bucket is not None else 0.3
        return RiskOutput(
            prediction_id=str(uuid.uuid4()),
            interruption_probability=probability,
            confidence_score=confidence_score(probability, coverage),
            recommended_action=recommended_action(probability),
            expected_bucket=float(bucket) if bucket is not None else None,
            source="heuristic",
            reason=reason or ("advisor bucket table" if bucket is not None else "no advisor bucket known"),
        )

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """Score a batch."""
        return [self.predict_one(item) for item in batch]


class FallbackRiskModel:
    """Uses ``primary`` and, when it is missing, raises or answers wrongly, the heuristic (saying why)."""

    def __init__(self, primary: RiskModel | None, fallback: HeuristicRiskModel | None = None) -> None:
        """``primary`` may be ``None`` when the model could not be loaded."""
        self._primary = primary
        self._fallback = fallback or HeuristicRiskModel()

    @property
    def version(self) -> str:
        """The primary's version, or the heuristic's when there is no primary."""
        return self._primary.version if self._primary is not None else self._fallback.version

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """Primary predictions, or heuristic ones carrying ``source="heuristic"`` and the reason."""
        if not batch:
            return []
        if self._primary is None:
            return self._degraded(batch, "model unavailable: not loaded")
        try:
            outputs = self._primary.predict(batch)
        except Exception as exc:
            LOG.warning("risk model %s failed, using heuristic: %s", self._primary.version, exc)
            return self._degraded(batch, f"model unavailable: {type(exc).__name__}: {exc}"[:500])
        if len(outputs) != len(batch):
            return self._degraded(
                batch, f"model unavailable: returned {len(outputs)} outputs for {len(batch)}"
            )
        return outputs

    def _degraded(self, batch: Sequence[RiskInput], reason: str) -> list[RiskOutput]:
        return [self._fallback.predict_one(item, reason=reason) for item in batch]
