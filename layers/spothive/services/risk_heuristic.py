"""Static interruption-risk heuristic and the fallback wrapper that uses it when the model fails.

The heuristic maps the latest Spot Advisor bucket to a probability with a fixed table (set by hand from
the bucket meanings, not fitted), adds a price-volatility term and floors the result when the hive mind has
seen live interruptions in the pool.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence

from spothive.contracts.risk_v1 import (
    RiskInput,
    RiskOutput,
    confidence_score,
    recommended_action,
)
from spothive.domain.risk_baseline import heuristic_probability
from spothive.ports.risk import RiskModel

LOG = logging.getLogger(__name__)

BucketLookup = Callable[[str, str], int | None]


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
