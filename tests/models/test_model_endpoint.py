"""The model-endpoint Lambda handler: single, batch, and bad input naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.model_endpoint import MAX_BATCH, handle, handler
from spothive.services.risk_heuristic import FallbackRiskModel

FEATURES = {
    "instance_type": "c5.xlarge",
    "availability_zone": "us-east-1a",
    "spot_price_history": [0.45, 0.42, 0.48],
    "hour_of_day": 14,
    "day_of_week": 2,
}
SINGLE = {"contract_version": "v1.0", "features": FEATURES}
HEURISTIC = FallbackRiskModel(None)


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test serves the shipped artifact: no hot swap to whatever another test announced in Redis."""
    import functions.model_endpoint as endpoint

    monkeypatch.delenv("SPOTHIVE_REDIS_URL", raising=False)
    monkeypatch.setattr(endpoint, "_MODEL", None)


def test_single_prediction_with_shipped_model() -> None:
    response = handler(SINGLE, None)
    body = _body(response)
    assert response["statusCode"] == 200
    assert body["source"] == "model:risk-v1.1.0"
    assert set(body) >= {
        "prediction_id",
        "interruption_probability",
        "confidence_score",
        "recommended_action",
    }


def test_batch_through_api_gateway_event() -> None:
    second = {"contract_version": "v1.0", "features": {**FEATURES, "advisor_bucket": 4}}
    response = handle({"body": json.dumps({"instances": [SINGLE, second]})}, HEURISTIC)
    preds = _body(response)["predictions"]
    assert response["statusCode"] == 200
    # table value + 0.5 * cv, cv of [0.45, 0.42, 0.48] = 0.024495 / 0.45 = 0.054433
    assert [p["interruption_probability"] for p in preds] == [0.377217, 0.877217]
    assert [p["source"] for p in preds] == ["heuristic", "heuristic"]
    assert preds[1]["recommended_action"] == "AVOID"


def test_bad_field_is_named() -> None:
    bad = {"contract_version": "v1.0", "features": {**FEATURES, "day_of_week": 9}}
    response = handle(bad, HEURISTIC)
    assert response["statusCode"] == 422
    assert _body(response)["error"]["field"] == "features.day_of_week"


def test_bad_field_in_batch_names_its_index() -> None:
    bad = {
        "contract_version": "v1.0",
        "features": {k: v for k, v in FEATURES.items() if k != "instance_type"},
    }
    response = handle({"instances": [SINGLE, bad]}, HEURISTIC)
    assert response["statusCode"] == 422
    assert _body(response)["error"]["field"] == "instances.1.features.instance_type"


def test_invalid_json_and_bad_batches() -> None:
    assert handle({"body": "{not json"}, HEURISTIC)["statusCode"] == 422
    assert _body(handle({"body": "[1]"}, HEURISTIC))["error"]["field"] == "body"
    assert _body(handle({"instances": []}, HEURISTIC))["error"]["field"] == "instances"
    assert handle({"instances": [SINGLE] * (MAX_BATCH + 1)}, HEURISTIC)["statusCode"] == 422
    assert _body(handle({"features": FEATURES}, HEURISTIC))["error"]["field"] == "contract_version"


def test_errors_carry_the_api_error_body_with_the_request_id() -> None:
    # Given a proxy event with a request id and a bad field
    event = {"body": json.dumps({"contract_version": "v1.0", "features": {**FEATURES, "hour_of_day": 99}}),
             "requestContext": {"requestId": "req-42"}}
    # When the endpoint answers, Then the body is the API's, naming the field and the request id
    error = _body(handle(event, HEURISTIC))["error"]
    assert (error["code"], error["field"], error["request_id"]) == ("invalid_input", "features.hour_of_day", "req-42")
    assert set(error) == {"code", "message", "field", "request_id"}
