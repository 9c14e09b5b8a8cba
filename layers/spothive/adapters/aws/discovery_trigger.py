"""Starting discovery of one account: an asynchronous Lambda invoke on AWS, inline otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from spothive.adapters.aws.clients import client


class LambdaDiscoveryTrigger:
    """Invokes the discovery function with ``InvocationType=Event`` (returns at once)."""

    def __init__(self, function_name: str, region: str) -> None:
        self._name = function_name
        self._lambda: Any = client("lambda", region)

    def scan_account(self, org_id: str, account_id: str) -> None:
        payload = {"org_id": org_id, "account_id": account_id}
        self._lambda.invoke(FunctionName=self._name, InvocationType="Event", Payload=json.dumps(payload).encode())


class InlineDiscoveryTrigger:
    """Runs the scan in the caller (tests, and the local stack without a discovery function)."""

    def __init__(self, scan: Callable[[str, str], object]) -> None:
        self._scan = scan

    def scan_account(self, org_id: str, account_id: str) -> None:
        self._scan(org_id, account_id)
