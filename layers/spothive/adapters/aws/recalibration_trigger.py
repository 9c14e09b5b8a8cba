"""Recalibrating where the model is served: an asynchronous invoke of the model endpoint."""

from __future__ import annotations

import json
from typing import Any

from spothive.adapters.aws.clients import client


class LambdaRecalibrationTrigger:
    """Invokes the model endpoint with ``InvocationType=Event`` and ``{"recalibrate": {"transition"}}``."""

    def __init__(self, function_name: str, region: str) -> None:
        self._name = function_name
        self._lambda: Any = client("lambda", region)

    def request(self, transition_key: str) -> dict[str, Any]:
        payload = {"recalibrate": {"transition": transition_key}}
        self._lambda.invoke(FunctionName=self._name, InvocationType="Event", Payload=json.dumps(payload).encode())
        return {"status": "requested", "transition": transition_key, "function": self._name}
