"""Low-level in-process scoring of feature matrices with LightGBM text models (no scikit-learn)."""

from __future__ import annotations

from typing import Any

import numpy as np

from spothive_models.artifact import RiskArtifact


class BoosterPredictor:
    """Holds the P(high) booster and the optional bucket booster, loaded from model text."""

    def __init__(self, artifact: RiskArtifact) -> None:
        """Parse the model text(s); imports lightgbm here, never at module import."""
        import lightgbm

        self.artifact = artifact
        self._binary: Any = lightgbm.Booster(model_str=artifact.model_text)
        self._buckets: Any = (
            lightgbm.Booster(model_str=artifact.bucket_model_text) if artifact.bucket_model_text else None
        )

    @property
    def version(self) -> str:
        """The artifact's model version."""
        return self.artifact.version

    def predict_matrix(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """P(high) per row and, with a bucket booster, bucket probabilities (n x 5)."""
        matrix = np.ascontiguousarray(features, dtype=np.float64)
        # One thread: batches are small; OpenMP spin-waiting on a busy host costs more than it saves.
        probability = np.asarray(
            self._binary.predict(matrix, validate_features=False, num_threads=1), dtype=float
        )
        buckets = None
        if self._buckets is not None:
            buckets = np.asarray(
                self._buckets.predict(matrix, validate_features=False, num_threads=1), dtype=float
            )
        return probability, buckets
