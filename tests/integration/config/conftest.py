"""Fixtures of the config tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend


@pytest.fixture
def serializable_transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give the emulator DynamoDB's isolation for TransactWriteItems.

    moto applies a transaction's items one by one (rolling back from a copy on failure) without a lock,
    so two concurrent transactions can interleave their condition checks and writes. DynamoDB
    serialises transactions that touch the same items; a lock around the emulator's call does the same.
    """
    lock = threading.Lock()
    original = DynamoDBBackend.transact_write_items

    def serialised(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with lock:
            original(self, transact_items)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", serialised)
    yield
