"""The in-process :class:`~spothive.ports.risk.RiskModel` backed by the shipped artifact.

Build it with ``LightGBMRiskModel.from_artifact()`` (the shipped ``models/spothive_models/artifacts/risk-v1``)
and, for full feature coverage, a :class:`~spothive_models.features.RiskContext` of the latest Advisor feed
and the catalog (``RiskContext.from_sources([load_source(feed), load_source(catalog)])``). Without a context
the model still answers from the request and the instance name, with lower confidence.

Each request's ``horizon_days`` (default 30) sets the forecast horizon. The availability zone changes a
prediction only through signals that vary by AZ: the hive mind's ``live_interruptions`` (a floor) today;
Spot Placement Scores are accepted but not learned from (no labeled transition validates them yet).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from spothive.contracts.risk_v1 import (
    RiskInput,
    RiskOutput,
    confidence_score,
    horizon_confidence,
    recommended_action,
)
from spothive.domain.risk_baseline import LIVE_INTERRUPTION_FLOOR
from spothive_models.artifact import DEFAULT_ARTIFACT_DIR, load_artifact
from spothive_models.features import (
    FEATURE_NAMES,
    REQUEST_FEATURES,
    RiskContext,
    apply_request,
    static_pool_features,
)
from spothive_models.horizon import HorizonLayer
from spothive_models.predictor import BoosterPredictor
from spothive_models.recalibration import Calibration

_REQUEST_FIELDS = (*REQUEST_FEATURES, "spot_price_history")
_ON_DEMAND = FEATURE_NAMES.index("on_demand_price")
_NO_BUCKET = float("nan")
#: At most this many context pools (every k-th, sorted) form the reference that sets the intercept c(h).
REFERENCE_POOLS = 1000


class LightGBMRiskModel:
    """Scores v1.0 inputs in process; per-pool features and scores are cached until the context changes."""

    def __init__(self, predictor: BoosterPredictor, context: RiskContext | None = None) -> None:
        """Use :meth:`from_artifact` unless you already hold a predictor."""
        self._predictor = predictor
        self._context = context or RiskContext()
        # pool -> (feature row, structure score, familiarity)
        self._cache: dict[tuple[str, str], tuple[np.ndarray, float, float]] = {}
        self._layer: HorizonLayer | None = None
        self._calibration = Calibration()
        self.calibration_version = 0

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

    @property
    def context(self) -> RiskContext:
        """The context predictions are made in."""
        return self._context

    def set_context(self, context: RiskContext) -> None:
        """Swap in a fresher context (e.g. after the Advisor scrape) and drop cached features."""
        self._context = context
        self._cache.clear()
        self._layer = None

    @property
    def calibration(self) -> Calibration:
        """The recalibration map applied to every probability (the identity until one is fitted)."""
        return self._calibration

    def set_calibration(self, calibration: Calibration, version: int = 0) -> None:
        """Apply ``calibration`` (stored as ``version``) to every later prediction."""
        self._calibration = calibration
        self.calibration_version = version

    def with_context(self, context: RiskContext) -> LightGBMRiskModel:
        """A sibling sharing this model's predictor and calibration, in another context (this one untouched)."""
        sibling = LightGBMRiskModel(self._predictor, context)
        sibling.set_calibration(self._calibration, self.calibration_version)
        return sibling

    def pool_probabilities(self, pools: Sequence[tuple[str, str]], horizon_days: float) -> np.ndarray:
        """P(high at ``horizon_days``) of context pools ``(region, type)``, as ``predict`` would say for them
        with no request signals (no On-Demand override, no live interruptions)."""
        if not pools:
            return np.empty(0)
        scores = np.array([self._pool(pool)[1] for pool in pools])
        carried = np.array([self._context.buckets.get(pool, _NO_BUCKET) for pool in pools], dtype=float)
        raw = self._predictor.probability(scores, carried, float(horizon_days), self._context_layer())
        return self._calibration.apply(raw)

    def _context_layer(self) -> HorizonLayer | None:
        """The layer re-based on the context's pools: c(h) follows the chain from *their* buckets."""
        layer = self._predictor.layer
        if layer is None or not self._context.buckets:
            return layer
        if self._layer is None:
            pools = sorted(self._context.buckets)
            sample = pools[:: max(1, len(pools) // REFERENCE_POOLS)]
            scores = np.array([self._pool(pool)[1] for pool in sample])
            carried = np.array([self._context.buckets[pool] for pool in sample], dtype=float)
            self._layer = layer.with_reference(carried, scores)
        return self._layer

    def features(self, item: RiskInput) -> dict[str, float]:
        """Model and helper features of one input."""
        feats = item.features
        static = static_pool_features(feats.pool_region, feats.instance_type, self._context)
        request = {name: getattr(feats, name) for name in _REQUEST_FIELDS}
        return apply_request(static, request)

    def _pool(self, key: tuple[str, str]) -> tuple[np.ndarray, float, float]:
        cached = self._cache.get(key)
        if cached is None:
            static = static_pool_features(key[0], key[1], self._context)
            row = np.array([[static[name] for name in FEATURE_NAMES]], dtype=float)
            score = float(self._predictor.scores(row)[0])
            cached = (row[0], score, float(self._predictor.familiarity(row)[0]))
            self._cache[key] = cached
        return cached

    def _scored(self, batch: Sequence[RiskInput]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(feature matrix, structure scores, familiarity, carried bucket) of a batch."""
        rows, scores, familiar, carried = [], np.empty(len(batch)), np.empty(len(batch)), np.empty(len(batch))
        override: list[int] = []
        for i, item in enumerate(batch):
            feats = item.features
            key = (feats.pool_region, feats.instance_type)
            row, scores[i], familiar[i] = self._pool(key)
            if feats.on_demand_price is not None:
                row = row.copy()
                row[_ON_DEMAND] = feats.on_demand_price
                override.append(i)
            rows.append(row)
            bucket = feats.advisor_bucket if feats.advisor_bucket is not None else self._context.buckets.get(key)
            carried[i] = _NO_BUCKET if bucket is None else bucket
        matrix = np.vstack(rows)
        if override:  # the request's own On-Demand price changes the structure features: score them afresh
            scores[override] = self._predictor.scores(matrix[override])
            familiar[override] = self._predictor.familiarity(matrix[override])
        return matrix, scores, familiar, carried

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """One output per input: probability at its horizon, action, confidence, expected bucket."""
        if not batch:
            return []
        matrix, scores, familiar, carried = self._scored(batch)
        horizons = np.array([item.features.horizon_days for item in batch], dtype=float)
        layer = self._context_layer()
        probability = np.empty(len(batch))
        expected: np.ndarray | None = np.empty(len(batch))
        for days in np.unique(horizons):
            at = horizons == days
            probability[at] = self._calibration.apply(
                self._predictor.probability(scores[at], carried[at], float(days), layer))
            buckets = self._predictor.bucket_probabilities(probability[at], carried[at], float(days), layer)
            if buckets is None:
                expected = None
            elif expected is not None:
                expected[at] = np.clip(buckets @ np.arange(5.0), 0.0, 4.0).round(4)
        # a known bucket stands in for the one feature that is otherwise missing for the pool itself
        known = 1.0 - np.isnan(matrix).sum(axis=1) / (matrix.shape[1] + 1) - np.isnan(carried) / (matrix.shape[1] + 1)
        validated = self._predictor.validated_days
        source = f"model:{self.version}"
        batch_id = uuid.uuid4().hex  # one random id per batch, suffixed by position: unique and cheap
        outputs = []
        for i, p in enumerate(probability.tolist()):
            reason = None
            live = batch[i].features.live_interruptions or 0
            if live > 0 and p < LIVE_INTERRUPTION_FLOOR:
                p, reason = LIVE_INTERRUPTION_FLOOR, f"{live} live interruption(s) in the hive mind raise the floor"
            p = round(p, 6)
            factor = 1.0 if validated is None else horizon_confidence(horizons[i], validated)
            outputs.append(
                RiskOutput.model_construct(
                    prediction_id=f"{batch_id}-{i}",
                    interruption_probability=p,
                    confidence_score=confidence_score(p, float(known[i]), factor, float(familiar[i])),
                    recommended_action=recommended_action(p),
                    expected_bucket=None if expected is None else float(expected[i]),
                    source=source,
                    reason=reason,
                )
            )
        return outputs
