"""Resolve an EventBridge event's instance to its pool from the tenants' inventory (key lookups only).

The event names the customer's AWS account, region and instance id. Linked accounts with that AWS account
id come from a Query of the accounts ``by_status`` index (cached per process for five minutes); the
instance is then one GetItem on ``instances`` (``instance_key = account#region#instance-id``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from spothive.adapters.dynamo.models import AccountModel, InstanceModel

#: Account states whose instances discovery keeps up to date.
LINKED_STATUSES = ("active", "scanning")
CACHE_SECONDS = 300.0


class DynamoInstanceLocator:
    """``InstanceLocator`` on the accounts and instances tables."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._accounts: dict[str, list[tuple[str, str]]] = {}
        self._loaded_at = -CACHE_SECONDS

    def _linked(self, aws_account: str) -> list[tuple[str, str]]:
        if self._monotonic() - self._loaded_at >= CACHE_SECONDS or aws_account not in self._accounts:
            mapping: dict[str, list[tuple[str, str]]] = {}
            for status in LINKED_STATUSES:
                for item in AccountModel.by_status.query(status):
                    if item.aws_account_id:
                        mapping.setdefault(item.aws_account_id, []).append((item.org_id, item.account_id))
            self._accounts, self._loaded_at = mapping, self._monotonic()
        return self._accounts.get(aws_account, [])

    def locate(self, aws_account: str, region: str, instance_id: str) -> tuple[str, str] | None:
        """``(zone, instance_type)`` of the instance, or ``None`` when no linked account has it."""
        for org_id, account_id in self._linked(aws_account):
            try:
                item = InstanceModel.get(org_id, f"{account_id}#{region}#{instance_id}")
            except InstanceModel.DoesNotExist:
                continue
            if item.zone and item.instance_type:
                return item.zone, item.instance_type
        return None
