"""Low-level in-process scoring of feature matrices: structure model + horizon layer (no scikit-learn)."""

from __future__ import annotations

from typing import Any

import numpy as np

from spothive_models.artifact import RiskArtifact
from spothive_models.horizon import DAYS_PER_MONTH, HorizonLayer
from spothive_models.training import StructureModel


class BoosterPredictor:
    """The structure model and, for a full artifact, its horizon layer and training feature ranges.

    A bare LightGBM text (an uploaded model, or a v1.0 artifact) has no layer: its probability is the
    booster's own, at whatever horizon it was trained for.
    """

    def __init__(self, artifact: RiskArtifact) -> None:
        """Parse the model text; imports lightgbm here (for LightGBM models), never at module import."""
        self.artifact = artifact
        manifest = artifact.manifest
        spec = manifest.get("structure") or {"kind": "lightgbm", "center": 0.0}
        self.structure = StructureModel.from_text(spec["kind"], artifact.model_text, float(spec["center"]))
        self._binary: Any = self.structure.model if spec["kind"] == "lightgbm" else None
        layer = manifest.get("horizon_layer")
        self.layer: HorizonLayer | None = HorizonLayer.from_dict(layer) if layer else None
        ranges = manifest.get("familiarity") or {}
        # a feature never seen in training has no range (None): any known value of it is unfamiliar
        self._low = np.array([np.inf if v is None else v for v in ranges.get("low", [])], dtype=float)
        self._high = np.array([-np.inf if v is None else v for v in ranges.get("high", [])], dtype=float)

    @property
    def version(self) -> str:
        """The artifact's model version."""
        return self.artifact.version

    @property
    def validated_days(self) -> float | None:
        """The horizon (days) the layer was fitted and evaluated on; ``None`` without a layer."""
        return None if self.layer is None else self.layer.train_months * DAYS_PER_MONTH

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Centred structure log-odds per row."""
        return self.structure.score(features)

    def probability(
        self, scores: np.ndarray, carried: np.ndarray, horizon_days: float, layer: HorizonLayer | None = None
    ) -> np.ndarray:
        """P(bucket >= 3 after ``horizon_days``); without a layer, the model's own probability.

        ``layer`` is this artifact's layer re-based on a serving context (default: the training pools).
        """
        layer = layer or self.layer
        if layer is None:
            return np.asarray(1.0 / (1.0 + np.exp(-(scores + self.structure.center))))
        return layer.probability(scores, carried, horizon_days / DAYS_PER_MONTH)

    def bucket_probabilities(
        self, probability: np.ndarray, carried: np.ndarray, horizon_days: float, layer: HorizonLayer | None = None
    ) -> np.ndarray | None:
        """Bucket distribution per row (n x 5), or ``None`` without a layer."""
        layer = layer or self.layer
        if layer is None:
            return None
        return layer.bucket_probabilities(probability, carried, horizon_days / DAYS_PER_MONTH)

    def familiarity(self, features: np.ndarray) -> np.ndarray:
        """Per row, the share of known features inside the training 1st-99th percentile range (1 if none known)."""
        if self._low.size != features.shape[1]:
            return np.ones(features.shape[0])
        known = ~np.isnan(features)
        inside = known & (features >= self._low) & (features <= self._high)
        count = known.sum(axis=1)
        return np.where(count > 0, inside.sum(axis=1) / np.maximum(count, 1), 1.0)

    def predict_matrix(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """P(high) per row for pools of unknown bucket at the validated horizon (the validator's view)."""
        matrix = np.ascontiguousarray(features, dtype=np.float64)
        carried = np.full(matrix.shape[0], np.nan)
        days = self.validated_days or 30.0
        probability = self.probability(self.scores(matrix), carried, days)
        return probability, self.bucket_probabilities(probability, carried, days)
