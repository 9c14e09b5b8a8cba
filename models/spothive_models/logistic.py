"""A small L2-regularised logistic regression on the structure features (numpy + scipy, JSON-serialisable).

Missing values are imputed with the training mean and flagged by a 0/1 indicator column for every feature
that had missing values in training; columns are standardised with the training mean and std. Fitted by
L-BFGS on the penalised log-likelihood (the intercept is not penalised).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize


@dataclass(frozen=True)
class LogisticModel:
    """Coefficients and the preprocessing they expect."""

    means: np.ndarray
    stds: np.ndarray
    flagged: np.ndarray  # column indexes that get a missing-value indicator
    weights: np.ndarray  # standardised features, then indicators
    intercept: float
    l2: float

    def _design(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=float)
        missing = np.isnan(x)
        filled = np.where(missing, self.means, x)
        return np.hstack([(filled - self.means) / self.stds, missing[:, self.flagged].astype(float)])

    def decision(self, features: np.ndarray) -> np.ndarray:
        """Log-odds per row."""
        return np.asarray(self._design(features) @ self.weights + self.intercept)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """P(label = 1) per row."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.decision(features))))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "means": self.means.tolist(),
            "stds": self.stds.tolist(),
            "flagged": self.flagged.tolist(),
            "weights": self.weights.tolist(),
            "intercept": self.intercept,
            "l2": self.l2,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticModel:
        """Inverse of :meth:`to_dict`."""
        return cls(
            np.array(data["means"], dtype=float),
            np.array(data["stds"], dtype=float),
            np.array(data["flagged"], dtype=int),
            np.array(data["weights"], dtype=float),
            float(data["intercept"]),
            float(data["l2"]),
        )


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1.0) -> LogisticModel:
    """Fit on ``features`` (NaN = unknown) and 0/1 ``labels``; ``l2`` is the penalty on the weights."""
    x = np.asarray(features, dtype=float)
    y = np.asarray(labels, dtype=float)
    means = np.nanmean(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0)
    means = np.where(np.isnan(means), 0.0, means)
    filled = np.where(np.isnan(x), means, x)
    stds = filled.std(axis=0)
    stds = np.where(stds > 1e-12, stds, 1.0)
    flagged = np.flatnonzero(np.isnan(x).any(axis=0))
    shell = LogisticModel(means, stds, flagged, np.zeros(0), 0.0, l2)
    design = shell._design(x)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = design @ w[1:] + w[0]
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * np.sum(w[1:] ** 2))
        residual = p - y
        grad = np.concatenate([[residual.sum()], design.T @ residual + l2 * w[1:]])
        return value, grad

    start = np.zeros(design.shape[1] + 1)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    return LogisticModel(means, stds, flagged, result.x[1:], float(result.x[0]), l2)
