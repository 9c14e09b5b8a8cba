"""Running the automation worker after discovery: an asynchronous Lambda invoke, or nothing."""

from __future__ import annotations

import json
from typing import Any

from spothive.adapters.aws.clients import client


class LambdaOptimizeTrigger:
    """Invokes the automation worker with ``InvocationType=Event`` (returns at once; Lambda retries it)."""

    def __init__(self, function_name: str, region: str) -> None:
        self._name = function_name
        self._lambda: Any = client("lambda", region)

    def after_scan(self, org_id: str, account_id: str) -> None:
        payload = {"org_id": org_id, "account_id": account_id, "trigger": "discovery"}
        self._lambda.invoke(FunctionName=self._name, InvocationType="Event", Payload=json.dumps(payload).encode())


class NoOptimizeTrigger:
    """No worker to start (no function name configured): the hourly schedule still covers every cluster."""

    def after_scan(self, org_id: str, account_id: str) -> None:
        return None
