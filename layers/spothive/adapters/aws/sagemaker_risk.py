"""A :class:`~spothive.ports.risk.RiskModel` served by a SageMaker endpoint speaking contract v1.0 as JSON.

Request body ``{"instances": [<RiskInput>, ...]}``; response body ``{"predictions": [<RiskOutput>, ...]}``
(the model-endpoint Lambda answers the same shape, so either can sit behind the port).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from spothive.contracts.risk_v1 import RiskInput, RiskOutput


class RiskEndpointError(RuntimeError):
    """The endpoint answered something that is not a v1.0 batch of the right length."""


class SageMakerRiskModel:
    """Calls ``sagemaker-runtime:InvokeEndpoint``; errors propagate so a fallback wrapper can react."""

    def __init__(self, endpoint_name: str, client: Any | None = None, version: str | None = None) -> None:
        """``client`` defaults to a ``sagemaker-runtime`` client in the function's region (honours
        ``AWS_ENDPOINT_URL``)."""
        if client is None:
            from spothive.adapters.aws import clients

            client = clients.Session().client("sagemaker-runtime", config=clients.RETRIES,
                                              endpoint_url=clients.endpoint_url())
        self._client = client
        self._endpoint = endpoint_name
        self._version = version or f"sagemaker:{endpoint_name}"

    @property
    def version(self) -> str:
        """The configured version label (``sagemaker:<endpoint>`` by default)."""
        return self._version

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        """One request for the whole batch; validates every output against the contract."""
        if not batch:
            return []
        body = json.dumps({"instances": [item.model_dump(mode="json", exclude_none=True) for item in batch]})
        response = self._client.invoke_endpoint(
            EndpointName=self._endpoint,
            ContentType="application/json",
            Accept="application/json",
            Body=body,
        )
        try:
            payload = json.loads(response["Body"].read())
            predictions = payload["predictions"]
            outputs = [RiskOutput.model_validate(item) for item in predictions]
        except (ValueError, KeyError, TypeError) as exc:
            raise RiskEndpointError(f"endpoint {self._endpoint} returned an invalid body: {exc}") from exc
        if len(outputs) != len(batch):
            raise RiskEndpointError(
                f"endpoint {self._endpoint} returned {len(outputs)} predictions for {len(batch)}"
            )
        return outputs
