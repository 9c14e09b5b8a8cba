"""SageMaker endpoint adapter against a stubbed sagemaker-runtime client."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from spothive.adapters.aws.sagemaker_risk import RiskEndpointError, SageMakerRiskModel
from spothive.contracts.risk_v1 import RiskInput
from spothive.services.risk_heuristic import FallbackRiskModel

ITEM = RiskInput.model_validate(
    {
        "contract_version": "v1.0",
        "features": {
            "instance_type": "c5.xlarge",
            "availability_zone": "us-east-1a",
            "spot_price_history": [0.45, 0.42],
            "hour_of_day": 14,
            "day_of_week": 2,
        },
    }
)


def _body(payload: object) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


def _client_with(payload: object) -> tuple[object, Stubber]:
    client = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    expected = {
        "EndpointName": "risk-prod",
        "ContentType": "application/json",
        "Accept": "application/json",
        "Body": json.dumps({"instances": [ITEM.model_dump(mode="json", exclude_none=True)]}),
    }
    stubber.add_response(
        "invoke_endpoint", {"Body": _body(payload), "ContentType": "application/json"}, expected
    )
    stubber.activate()
    return client, stubber


def test_invokes_endpoint_with_contract_json() -> None:
    client, stubber = _client_with(
        {
            "predictions": [
                {
                    "prediction_id": "p-1",
                    "interruption_probability": 0.62,
                    "confidence_score": 0.7,
                    "recommended_action": "AVOID",
                    "source": "model:risk-v1.0.0",
                }
            ]
        }
    )
    outputs = SageMakerRiskModel("risk-prod", client=client).predict([ITEM])
    stubber.assert_no_pending_responses()
    assert [(o.prediction_id, o.interruption_probability, o.recommended_action.value) for o in outputs] == [
        ("p-1", 0.62, "AVOID")
    ]


def test_invalid_endpoint_answer_raises_and_fallback_takes_over() -> None:
    client, _ = _client_with(
        {
            "predictions": [
                {
                    "prediction_id": "p",
                    "interruption_probability": 0.9,
                    "confidence_score": 0.7,
                    "recommended_action": "SAFE",
                }
            ]
        }
    )
    model = SageMakerRiskModel("risk-prod", client=client)
    assert model.version == "sagemaker:risk-prod"
    with pytest.raises(RiskEndpointError, match="invalid body"):
        model.predict([ITEM])
    client, _ = _client_with({"predictions": []})
    out = FallbackRiskModel(SageMakerRiskModel("risk-prod", client=client)).predict([ITEM])[0]
    assert out.source == "heuristic"
    assert out.reason is not None and "returned 0 predictions for 1" in out.reason


def test_empty_batch_makes_no_call() -> None:
    client = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client):
        assert SageMakerRiskModel("risk-prod", client=client).predict([]) == []
