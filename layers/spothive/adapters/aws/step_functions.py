"""``WorkflowStarter`` on Step Functions: one named execution per job."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import client
from spothive.domain.errors import DependencyFailed


class StepFunctionsStarter:
    """Starts executions of one state machine; the execution name makes a retried start a no-op."""

    def __init__(self, state_machine_arn: str, region: str, *, label: str = "optimization") -> None:
        self._arn = state_machine_arn
        self._label = label
        self._sfn: Any = client("stepfunctions", region)

    def start(self, name: str, payload: Mapping[str, Any]) -> str:
        if not self._arn:
            raise DependencyFailed(f"the {self._label} state machine is not configured")
        try:
            response = self._sfn.start_execution(stateMachineArn=self._arn, name=name, input=json.dumps(payload))
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "ExecutionAlreadyExists":
                return self._arn.replace(":stateMachine:", ":execution:") + f":{name}"
            raise DependencyFailed(f"could not start the workflow: {error.get('Code')}: {error.get('Message')}") \
                from exc
        return str(response["executionArn"])
