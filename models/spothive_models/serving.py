"""The in-process :class:`~spothive.ports.risk.RiskModel` backed by the shipped LightGBM artifact.

Build it with ``LightGBMRiskModel.from_artifact()`` (the shipped ``models/spothive_models/artifacts/risk-v1``) and, for
full feature coverage, a :class:`~spothive_models.features.RiskContext` of the latest Advisor feed and the
catalog (``RiskContext.from_sources([load_source(feed), load_source(catalog)])``). Without a context the
model still answers from the request and the instance name, with lower confidence.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from spothive.contracts.risk_v1 import RiskInput, RiskOutput, confidence_score, recommended_action
from spothive.domain.risk_baseline import LIVE_INTERRUPTION_FLOOR
from spothive_models.artifact import DEFAULT_ARTIFACT_DIR, load_artifact
from spothive_models.features import (
    FEATURE_NAMES,
    REQUEST_FEATURES,
    RiskContext,
    apply_request,
    static_pool_features,
)
from spothive_models.predictor import BoosterPredictor

_REQUEST_FIELDS = (*REQUEST_FEATURES, "spot_price_history")
_BUCKET = FEATURE_NAMES.index("advisor_bucket")
_ON_DEMAND = FEATURE_NAMES.index("on_demand_price")
_RATIO = FEATURE_NAMES.index("spot_to_od_ratio")


class LightGBMRiskModel:
    """Scores v1.0 inputs in process; static per-pool features are cached until the context changes."""

    def __init__(self, predictor: BoosterPredictor, context: RiskContext | None = None) -> None:
        """Use :meth:`from_artifact` unless you already hold a predictor."""
        self._predictor = predictor
        self._context = context or RiskContext()
        self._cache: dict[tuple[str, str], tuple[np.ndarray, float]] = {}

    @classmethod
    def from_artifact(
        cls, directory: Path = DEFAULT_ARTIFACT_DIR, context: RiskContext | None = None
    ) -> LightGBMRiskModel:
        """Load and verify the artifact in ``directory``."""
        return cls(BoosterPredictor(load_artifact(directory)), context)

    @property
    def version(self) -> str:
        """The artifact's model version."""
        return self._predictor.version

    def set_context(self, context: RiskContext) -> None:
        """Swap in a fresher context (e.g. after the Advisor scrape) and drop cached features."""
        self._context = context
        self._cache.clear()

    def features(self, item: RiskInput) -> dict[str, float]:
        """Model and helper features of one input."""
        feats = item.features
        static = static_pool_features(feats.pool_region, feats.instance_type, self._context)
        request = {name: getattr(feats, name) for name in _REQUEST_FIELDS}
        return apply_request(static, request)

    def _row(self, item: RiskInput) -> np.ndarray:
        """The model row of one input: the cached static row with the request's facts written over it."""
        feats = item.features
        key = (feats.pool_region, feats.instance_type)
        cached = self._cache.get(key)
        if cached is None:
            static = static_pool_features(key[0], key[1], self._context)
            cached = (np.array([static[name] for name in FEATURE_NAMES], dtype=float), static["spot_mean"])
            self._cache[key] = cached
        row = cached[0].copy()
        if feats.advisor_bucket is not None:
            row[_BUCKET] = feats.advisor_bucket
        if feats.on_demand_price is not None:
            row[_ON_DEMAND] = feats.on_demand_price
        history = feats.spot_price_history
        spot = sum(history) / len(history) if history else cached[1]
        on_demand = row[_ON_DEMAND]
        row[_RATIO] = spot / on_demand if on_demand > 0 and spot == spot else np.nan
        return row

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """One output per input: probability, action, confidence (see MODEL_CARD.md), expected bucket."""
        if not batch:
            return []
        matrix = np.vstack([self._row(item) for item in batch])
        probability, buckets = self._predictor.predict_matrix(matrix)
        coverage = (1.0 - np.isnan(matrix).mean(axis=1)).tolist()
        expected = (
            np.clip(buckets @ np.arange(5.0), 0.0, 4.0).round(4).tolist() if buckets is not None else None
        )
        source = f"model:{self.version}"
        batch_id = uuid.uuid4().hex  # one random id per batch, suffixed by position: unique and cheap
        outputs = []
        for i, p in enumerate(probability.tolist()):
            reason = None
            live = batch[i].features.live_interruptions or 0
            if live > 0 and p < LIVE_INTERRUPTION_FLOOR:
                p, reason = (
                    LIVE_INTERRUPTION_FLOOR,
                    f"{live} live interruption(s) in the hive mind raise the floor",
                )
            p = round(p, 6)
            outputs.append(
                RiskOutput.model_construct(
                    prediction_id=f"{batch_id}-{i}",
                    interruption_probability=p,
                    confidence_score=confidence_score(p, coverage[i]),
                    recommended_action=recommended_action(p),
                    expected_bucket=None if expected is None else expected[i],
                    source=source,
                    reason=reason,
                )
            )
        return outputs
