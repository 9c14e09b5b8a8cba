"""Recalibration of the served model against one Advisor transition: a bounded Platt map on the logit.

When a new feed arrives, the forecasts the served model made from the previous feed are compared with the
new feed's labels (bucket >= 3, the training label). The map ``logit p' = a + b * logit p`` is fitted by
maximum likelihood on that transition alone, with ``a`` and ``b`` bounded (an intercept shift of at most
:data:`MAX_SHIFT` logits, a temperature ``b`` in ``[MIN_SLOPE, MAX_SLOPE]``) and a small ridge towards the
identity, so one odd feed cannot turn the model upside down. "After" figures are cross-fitted: each fold's
pools are scored by a map fitted on the other folds, so they are never in-sample; the map that is served
is the one fitted on every pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from spothive_models.evaluation import expected_calibration_error, log_loss

#: Fewer labelled pools than this and the transition says too little to refit the level.
MIN_POOLS = 50
#: Bounds of the map: intercept shift (logits) and slope (inverse temperature).
MAX_SHIFT = 3.0
MIN_SLOPE, MAX_SLOPE = 0.5, 2.0
#: Ridge towards the identity map (a = 0, b = 1), per pool-equivalent.
RIDGE = 1.0
FOLDS = 5
_CLIP = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), _CLIP, 1 - _CLIP)
    return np.asarray(np.log(q / (1 - q)))


@dataclass(frozen=True, slots=True)
class Calibration:
    """``logit p' = intercept + slope * logit p``; the identity is ``(0, 1)``."""

    intercept: float = 0.0
    slope: float = 1.0

    def apply(self, probabilities: np.ndarray) -> np.ndarray:
        """The calibrated probabilities, within the same clip as the input."""
        p = np.asarray(probabilities, dtype=float)
        if self.is_identity:
            return p
        z = self.intercept + self.slope * _logit(p)
        return np.asarray(np.clip(1.0 / (1.0 + np.exp(-z)), 1e-4, 1 - 1e-4))

    @property
    def is_identity(self) -> bool:
        """Whether the map changes nothing."""
        return self.intercept == 0.0 and self.slope == 1.0

    def then(self, later: Calibration) -> Calibration:
        """This map followed by ``later`` (both on the logit), bounded like a single fit."""
        slope = float(np.clip(later.slope * self.slope, MIN_SLOPE, MAX_SLOPE))
        intercept = float(np.clip(later.intercept + later.slope * self.intercept, -MAX_SHIFT, MAX_SHIFT))
        return Calibration(intercept, slope)

    def to_dict(self) -> dict[str, float]:
        """JSON form."""
        return {"intercept": round(self.intercept, 6), "slope": round(self.slope, 6)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Calibration:
        """Inverse of :meth:`to_dict`; ``None`` is the identity."""
        if not data:
            return cls()
        return cls(float(data["intercept"]), float(data["slope"]))


def fit_calibration(probabilities: np.ndarray, labels: np.ndarray) -> Calibration:
    """Maximum-likelihood bounded Platt map with a ridge towards the identity."""
    x = _logit(probabilities)
    y = np.asarray(labels, dtype=float)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = w[0] + w[1] * x
        residual = 1.0 / (1.0 + np.exp(-z)) - y
        value = float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * RIDGE * (w[0] ** 2 + (w[1] - 1.0) ** 2))
        grad = np.array([residual.sum() + RIDGE * w[0], (residual * x).sum() + RIDGE * (w[1] - 1.0)])
        return value, grad

    result = minimize(loss, np.array([0.0, 1.0]), jac=True, method="L-BFGS-B",
                      bounds=[(-MAX_SHIFT, MAX_SHIFT), (MIN_SLOPE, MAX_SLOPE)])
    return Calibration(float(result.x[0]), float(result.x[1]))


@dataclass(frozen=True, slots=True)
class Figures:
    """Calibration figures of probabilities against labels."""

    ece: float
    log_loss: float
    brier: float
    mean_predicted: float

    @classmethod
    def of(cls, labels: np.ndarray, probabilities: np.ndarray) -> Figures:
        """ECE (10 equal-width bins), log-loss, Brier score and mean prediction."""
        y, p = np.asarray(labels, dtype=float), np.asarray(probabilities, dtype=float)
        return cls(round(expected_calibration_error(y, p), 6), round(log_loss(y, p), 6),
                   round(float(np.mean((p - y) ** 2)), 6), round(float(p.mean()), 6))


@dataclass(frozen=True, slots=True)
class RecalibrationResult:
    """``fitted`` (with the map and before/after figures) or ``skipped`` (with the reason)."""

    status: str
    n: int
    positives: int
    observed_rate: float
    reason: str | None = None
    before: Figures | None = None
    after: Figures | None = None
    calibration: Calibration | None = None
    evaluation: str = f"{FOLDS}-fold cross-fit"

    def as_dict(self) -> dict[str, Any]:
        """JSON form (figures and map as nested objects)."""
        data = asdict(self)
        data["calibration"] = None if self.calibration is None else self.calibration.to_dict()
        return data


def recalibrate(
    probabilities: np.ndarray, labels: np.ndarray, *, min_pools: int = MIN_POOLS, folds: int = FOLDS, seed: int = 0
) -> RecalibrationResult:
    """Fit the map on one transition; "after" is out-of-fold. Skipped (with the reason) below ``min_pools``
    pools, with a single label class, or when the map does not lower the cross-fitted log-loss."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=float)
    n, positives = len(y), int(y.sum())
    rate = round(float(y.mean()), 6) if n else 0.0
    if n < max(min_pools, folds):
        return RecalibrationResult("skipped", n, positives, rate, reason=f"{n} labelled pools, fewer than {min_pools}")
    if positives in (0, n):
        return RecalibrationResult("skipped", n, positives, rate, reason="the new feed's labels are all one class")
    before = Figures.of(y, p)
    order = np.random.default_rng(seed).permutation(n)
    crossed = np.empty(n)
    for fold in range(folds):
        held = order[fold::folds]
        train = np.setdiff1d(order, held)
        crossed[held] = fit_calibration(p[train], y[train]).apply(p[held])
    after = Figures.of(y, crossed)
    if after.log_loss >= before.log_loss:
        return RecalibrationResult("skipped", n, positives, rate, before=before, after=after,
                                   reason="the cross-fitted map does not lower the log-loss")
    return RecalibrationResult("fitted", n, positives, rate, before=before, after=after,
                               calibration=fit_calibration(p, y))
