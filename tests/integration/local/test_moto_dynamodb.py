"""The local moto server's DynamoDB transactions run one at a time: a transaction's copy-and-restore never
interleaves with another transaction (moto restores whole tables when a transaction fails)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import boto3
import pytest

from spothive.local import moto_dynamodb

pytestmark = pytest.mark.integration


def test_a_write_waits_while_a_transaction_copies_the_table(moto_endpoint: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # the suite's own moto server (never mock_aws here: leaving it resets every backend of the process)
    moto_dynamodb.serialize_writes()
    table = f"it-serialized-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url=moto_endpoint)
    client.create_table(TableName=table, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    import moto.dynamodb.models as models

    real_copy = models.copy.deepcopy
    done: dict[str, float] = {}

    def other_write() -> None:
        client.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {"k": {"S": "other"}}}}])
        done["other"] = time.monotonic()

    def slow_copy(obj: Any, *args: Any) -> Any:
        # Given another transaction that writes while this one copies the table
        threading.Thread(target=other_write).start()
        time.sleep(0.3)
        done["copied"] = time.monotonic()
        return real_copy(obj, *args)

    monkeypatch.setattr(models.copy, "deepcopy", slow_copy)
    # When a transaction that fails its condition runs (moto restores the copied table)
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=[{"Put": {
            "TableName": table, "Item": {"k": {"S": "mine"}}, "ConditionExpression": "attribute_exists(k)"}}])
    monkeypatch.setattr(models.copy, "deepcopy", real_copy)
    for _ in range(50):
        if "other" in done:
            break
        time.sleep(0.05)
    # Then the other write ran only after the transaction, and the restore did not erase it
    assert done["other"] > done["copied"]
    assert client.get_item(TableName=table, Key={"k": {"S": "other"}}).get("Item") == {"k": {"S": "other"}}
    client.delete_table(TableName=table)
