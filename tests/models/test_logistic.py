"""The small logistic structure model: fit, missing values, JSON round trip."""

from __future__ import annotations

import numpy as np
import pytest

from spothive_models.evaluation import auc
from spothive_models.logistic import LogisticModel, fit_logistic


def _data(n: int = 800, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    z = 1.5 * x[:, 0] - 1.0 * x[:, 1]  # the third column is noise
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    x[rng.random(n) < 0.2, 1] = np.nan
    return x, y


def test_recovers_signs_and_ignores_noise() -> None:
    x, y = _data()
    model = fit_logistic(x, y, l2=1.0)
    weights = model.weights[:3] / model.stds  # back on the raw scale
    assert weights[0] == pytest.approx(1.5, abs=0.35)
    assert weights[1] == pytest.approx(-1.0, abs=0.35)
    assert abs(weights[2]) < 0.25
    assert auc(y, model.predict(x)) > 0.75


def test_missing_values_get_an_indicator_and_the_training_mean() -> None:
    x, y = _data()
    model = fit_logistic(x, y)
    assert model.flagged.tolist() == [1]  # only column 1 had missing values in training
    row = np.array([[0.3, np.nan, 0.1]])
    filled = np.array([[0.3, model.means[1], 0.1]])
    gap = model.decision(row) - model.decision(filled)
    assert gap[0] == pytest.approx(model.weights[3])  # the indicator's weight is the whole difference


def test_round_trip() -> None:
    x, y = _data()
    model = fit_logistic(x, y)
    again = LogisticModel.from_dict(model.to_dict())
    assert np.allclose(again.predict(x), model.predict(x))
