"""The contract's additive horizon input and the horizon/familiarity terms of the confidence score."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from spothive.contracts.risk_v1 import (
    DEFAULT_HORIZON_DAYS,
    RiskInput,
    confidence_score,
    decision_margin,
    error_fields,
    horizon_confidence,
)

BASE = {
    "instance_type": "c5.xlarge",
    "availability_zone": "us-east-1a",
    "spot_price_history": [0.45],
    "hour_of_day": 14,
    "day_of_week": 2,
}


def _body(**features: object) -> dict[str, object]:
    return {"contract_version": "v1.0", "features": {**BASE, **features}}


def test_horizon_defaults_to_thirty_days() -> None:
    assert DEFAULT_HORIZON_DAYS == 30
    assert RiskInput.model_validate(_body()).features.horizon_days == 30
    assert RiskInput.model_validate(_body(horizon_days=365)).features.horizon_days == 365


@pytest.mark.parametrize("value", [0, -3, 1827, 2.5, "30"])
def test_bad_horizons_name_the_field(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        RiskInput.model_validate(_body(horizon_days=value))
    assert error_fields(caught.value) == ["features.horizon_days"]


def test_horizon_confidence() -> None:
    assert horizon_confidence(526, 526) == 1.0
    assert horizon_confidence(526 / 16, 526) == pytest.approx(0.5)
    assert horizon_confidence(526 * 16, 526) == pytest.approx(0.5)
    assert horizon_confidence(263, 526) == pytest.approx(0.8)
    assert horizon_confidence(30, 526) < horizon_confidence(180, 526) < 1.0


def test_confidence_defaults_keep_the_v1_formula() -> None:
    assert confidence_score(0.1, 0.8) == round(0.8 * (0.5 + 0.5 * decision_margin(0.1)), 4)
    assert confidence_score(0.1, 0.8, horizon_factor=0.5, familiarity=0.5) == round(
        0.8 * 0.25 * (0.5 + 0.5 * decision_margin(0.1)), 4
    )
    assert confidence_score(0.9, 1.0, horizon_factor=2.0, familiarity=-1.0) == 0.0  # factors clipped to 0..1
