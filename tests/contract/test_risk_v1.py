"""Contract v1.0 of the interruption-risk model: test vectors, action boundaries, confidence formula."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from spothive.contracts.risk_v1 import (
    RecommendedAction,
    RiskInput,
    RiskOutput,
    confidence_score,
    decision_margin,
    error_fields,
    recommended_action,
    region_of_zone,
)

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "layers/spothive/contracts/risk_v1_test_vectors.json").read_text()
)


@pytest.mark.parametrize("vector", VECTORS["inputs"], ids=lambda v: v["name"])
def test_input_vectors(vector: dict) -> None:
    # Given a contract input vector, When it is validated, Then it is accepted or names the bad field
    if vector["valid"]:
        parsed = RiskInput.model_validate(vector["input"])
        assert parsed.contract_version == "v1.0"
    else:
        with pytest.raises(ValidationError) as caught:
            RiskInput.model_validate(vector["input"])
        assert vector["error_field"] in error_fields(caught.value)


@pytest.mark.parametrize("vector", VECTORS["outputs"], ids=lambda v: v["name"])
def test_output_vectors(vector: dict) -> None:
    if vector["valid"]:
        assert RiskOutput.model_validate(vector["output"]).prediction_id == vector["output"]["prediction_id"]
    else:
        with pytest.raises(ValidationError) as caught:
            RiskOutput.model_validate(vector["output"])
        assert vector["error_field"] in error_fields(caught.value)


@pytest.mark.parametrize(
    ("probability", "action"), [(v["probability"], v["action"]) for v in VECTORS["actions"]]
)
def test_action_boundaries(probability: float, action: str) -> None:
    assert recommended_action(probability) == RecommendedAction(action)


def test_boundaries_are_exact() -> None:
    # 0.2 itself is CAUTION, just below is SAFE; 0.5 itself is CAUTION, just above is AVOID
    assert recommended_action(0.19999999) is RecommendedAction.SAFE
    assert recommended_action(0.2) is RecommendedAction.CAUTION
    assert recommended_action(0.5) is RecommendedAction.CAUTION
    assert recommended_action(0.50000001) is RecommendedAction.AVOID


def test_seed_example_parses_to_expected_values() -> None:
    item = RiskInput.model_validate(VECTORS["inputs"][0]["input"])
    assert item.features.instance_type == "c5.xlarge"
    assert item.features.pool_region == "us-east-1"
    assert item.features.spot_price_history == [0.45, 0.42, 0.48]
    assert item.features.advisor_bucket is None


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("us-east-1a", "us-east-1"),
        ("use1-az4", "us-east-1"),
        ("apne1-az1", "ap-northeast-1"),
        ("aps1-az3", "ap-south-1"),
        ("euc1-az2", "eu-central-1"),
        ("cac1-az1", "ca-central-1"),
        ("us-west-2-lax-1a", "us-west-2"),
        ("nowhere", None),
    ],
)
def test_region_of_zone(zone: str, region: str | None) -> None:
    assert region_of_zone(zone) == region


@pytest.mark.parametrize(
    ("probability", "margin"),
    [(0.0, 1.0), (0.1, 0.5), (0.2, 0.0), (0.35, 1.0), (0.275, 0.5), (0.5, 0.0), (0.75, 0.5), (1.0, 1.0)],
)
def test_decision_margin(probability: float, margin: float) -> None:
    assert decision_margin(probability) == pytest.approx(margin)


def test_confidence_combines_margin_and_coverage() -> None:
    # coverage * (0.5 + 0.5 * margin)
    assert confidence_score(0.0, 1.0) == 1.0
    assert confidence_score(0.2, 1.0) == 0.5
    assert confidence_score(0.75, 0.8) == pytest.approx(0.8 * 0.75)
    assert confidence_score(0.1, 0.5) == pytest.approx(0.375)
    assert confidence_score(0.9, 0.0) == 0.0


def test_output_rejects_action_that_contradicts_probability() -> None:
    with pytest.raises(ValidationError, match="expected AVOID"):
        RiskOutput(
            prediction_id="x",
            interruption_probability=0.51,
            confidence_score=0.5,
            recommended_action=RecommendedAction.CAUTION,
        )


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_any_probability_yields_a_valid_output(probability: float, coverage: float) -> None:
    # Given any probability and coverage, When an output is built from them, Then it satisfies the contract
    confidence = confidence_score(probability, coverage)
    assert 0.0 <= confidence <= coverage + 0.5e-4  # rounded to 4 places
    out = RiskOutput(
        prediction_id="p",
        interruption_probability=probability,
        confidence_score=confidence,
        recommended_action=recommended_action(probability),
    )
    assert out.recommended_action is recommended_action(probability)
