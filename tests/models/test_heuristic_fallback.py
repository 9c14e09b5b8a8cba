"""The static heuristic and the fallback wrapper."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.domain.risk_baseline import heuristic_probability, volatility
from spothive.services.risk_heuristic import FallbackRiskModel, HeuristicRiskModel


def _input(**features: object) -> RiskInput:
    base = {
        "instance_type": "c5.xlarge",
        "availability_zone": "us-east-1a",
        "spot_price_history": [0.45],
        "hour_of_day": 14,
        "day_of_week": 2,
    }
    return RiskInput.model_validate({"contract_version": "v1.0", "features": {**base, **features}})


class Boom:
    version = "model:boom"

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        raise RuntimeError("booster exploded")


class Short:
    version = "short"

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        return []


def test_volatility() -> None:
    assert volatility([1.0]) == 0.0
    assert volatility([1.0, 3.0]) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("bucket", "history", "live", "expected"),
    [
        (0, [1.0], 0, 0.10),
        (4, [1.0], 0, 0.85),
        (None, [1.0], 0, 0.35),
        (2, [1.0, 3.0], 0, 0.35 + 0.15),
        (2, [1.0, 1.2], 0, 0.35 + 0.5 * (0.1 / 1.1)),
        (0, [1.0], 3, 0.6),
        (4, [1.0, 3.0], 0, 0.99),
    ],
)
def test_heuristic_probability(bucket: int | None, history: list[float], live: int, expected: float) -> None:
    assert heuristic_probability(bucket, history, live) == pytest.approx(expected, abs=1e-6)


def test_heuristic_uses_lookup_and_says_so() -> None:
    model = HeuristicRiskModel(
        lambda region, itype: 4 if (region, itype) == ("us-east-1", "c5.xlarge") else None
    )
    out = model.predict([_input()])[0]
    assert (out.interruption_probability, out.recommended_action.value, out.source) == (
        0.85,
        "AVOID",
        "heuristic",
    )
    assert out.expected_bucket == 4.0
    assert out.confidence_score == pytest.approx(0.6 * (0.5 + 0.5 * 0.7))


def test_fallback_without_model_says_why() -> None:
    out = FallbackRiskModel(None).predict([_input(advisor_bucket=1)])[0]
    assert out.source == "heuristic"
    assert out.reason == "model unavailable: not loaded"
    assert out.interruption_probability == 0.2 and out.recommended_action.value == "CAUTION"


def test_fallback_when_model_raises() -> None:
    wrapper = FallbackRiskModel(Boom())
    outs = wrapper.predict([_input(), _input(advisor_bucket=0)])
    assert [o.source for o in outs] == ["heuristic", "heuristic"]
    assert outs[0].reason == "model unavailable: RuntimeError: booster exploded"
    assert outs[1].interruption_probability == 0.1
    assert wrapper.version == "model:boom"


def test_fallback_when_model_answers_short() -> None:
    out = FallbackRiskModel(Short()).predict([_input()])[0]
    assert out.reason == "model unavailable: returned 0 outputs for 1"


def test_fallback_passes_model_answers_through() -> None:
    class Fixed:
        version = "fixed"

        def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
            return [
                RiskOutput(
                    prediction_id="p",
                    interruption_probability=0.3,
                    confidence_score=0.5,
                    recommended_action="CAUTION",
                    source="model:fixed",
                )
                for _ in batch
            ]

    assert FallbackRiskModel(Fixed()).predict([_input()])[0].source == "model:fixed"
