"""Recalibration of the served model on one Advisor transition: the bounded map, cross-fitting, skips."""

from __future__ import annotations

import numpy as np
import pytest

from spothive.adapters.model_context import context_from_rates
from spothive.contracts.risk_v1 import RiskInput
from spothive_models.recalibration import MAX_SHIFT, MIN_SLOPE, Calibration, fit_calibration, recalibrate
from spothive_models.serving import LightGBMRiskModel
from spothive_models.transition import recalibrate_on_transition
from tests.models.transition_feeds import doubling_feeds, high_share


def _sample(n: int, shift: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts whose true log-odds are ``shift`` above what they say."""
    rng = np.random.default_rng(seed)
    z = rng.normal(-1.5, 1.2, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-(z + shift)))).astype(float)
    return 1 / (1 + np.exp(-z)), labels


def test_identity_changes_nothing_and_composition_is_bounded() -> None:
    p = np.array([0.01, 0.3, 0.9])
    assert np.array_equal(Calibration().apply(p), p)
    shifted = Calibration(1.0, 1.0).apply(np.array([0.5]))[0]
    assert shifted == pytest.approx(1 / (1 + np.exp(-1.0)))
    both = Calibration(2.0, 0.6).then(Calibration(2.5, 0.7))
    assert both == Calibration(MAX_SHIFT, MIN_SLOPE)  # 2.5 + 0.7 * 2 = 3.9 → 3; 0.42 → 0.5
    assert Calibration.from_dict(Calibration(0.25, 1.5).to_dict()) == Calibration(0.25, 1.5)


def test_fit_recovers_an_intercept_shift_within_bounds() -> None:
    p, y = _sample(4000, shift=1.0)
    fitted = fit_calibration(p, y)
    assert fitted.intercept == pytest.approx(1.0, abs=0.2) and fitted.slope == pytest.approx(1.0, abs=0.15)
    extreme = fit_calibration(np.full(200, 0.001), np.ones(200))
    assert extreme.intercept <= MAX_SHIFT and extreme.slope >= MIN_SLOPE


def test_recalibrate_reports_cross_fitted_improvement() -> None:
    p, y = _sample(600, shift=1.2, seed=3)
    result = recalibrate(p, y)
    assert result.status == "fitted" and result.n == 600 and result.calibration is not None
    assert result.before is not None and result.after is not None
    assert result.after.ece < result.before.ece and result.after.log_loss < result.before.log_loss
    assert result.after.mean_predicted > result.before.mean_predicted
    assert result.evaluation == "5-fold cross-fit"


def test_recalibrate_skips_too_few_pools_one_class_and_no_gain() -> None:
    few = recalibrate(np.full(20, 0.2), np.r_[np.ones(5), np.zeros(15)], min_pools=50)
    assert (few.status, few.calibration) == ("skipped", None) and "fewer than 50" in (few.reason or "")
    one = recalibrate(np.full(80, 0.2), np.zeros(80))
    assert one.status == "skipped" and "one class" in (one.reason or "")
    p, y = _sample(400, shift=0.0, seed=5)
    calibrated = recalibrate(p, y)  # already calibrated: a map fitted on folds does not beat the identity
    assert calibrated.status == "skipped" and "does not lower" in (calibrated.reason or "")


def test_transition_with_doubled_high_share_raises_the_served_forecasts() -> None:
    previous, fresh = doubling_feeds()
    assert high_share(fresh) == pytest.approx(2 * high_share(previous), abs=0.01)
    model = LightGBMRiskModel.from_artifact(context=context_from_rates(fresh))
    probe = RiskInput.model_validate({"contract_version": "v1.0", "features": {
        "instance_type": "m5.large", "availability_zone": "us-east-1a", "spot_price_history": [0.05],
        "hour_of_day": 3, "day_of_week": 1, "horizon_days": 1}})
    before_p = model.predict([probe])[0].interruption_probability
    before_context = context_from_rates(previous)
    result, served = recalibrate_on_transition(model, before_context, context_from_rates(fresh).buckets)
    assert result.status == "fitted" and served is not None and served.intercept > 0
    assert result.after is not None and result.before is not None and result.after.ece < result.before.ece
    model.set_calibration(served, 1)
    pools = sorted(before_context.buckets)
    assert model.with_context(before_context).pool_probabilities(pools, 1.0).mean() > result.before.mean_predicted
    assert model.predict([probe])[0].interruption_probability > before_p
