"""Each repository port's contract runs twice: on its in-memory fake and on its real adapter.

The real side is DynamoDB in moto's in-process ``mock_aws`` (tables exactly as the local stack creates
them) and the integration suite's real ``redis-server``; a test asks for ``kind`` to learn which side runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
import redis
from moto import mock_aws

from spothive.adapters.dynamo import models
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.local.provision import create_tables
from tests.integration.conftest import redis_url  # noqa: F401  (the one way a real Redis is obtained)
from tests.support.fakes import FixedClock, MemoryLedger

REGION = "us-east-1"
PREFIX = "contract"


@pytest.fixture(params=["memory", "real"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which implementation the test exercises."""
    return str(request.param)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every table of the schema in an in-process moto, with the models bound to them."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    previous = models._binding
    with mock_aws():
        create_tables(boto3.client("dynamodb", region_name=REGION), PREFIX)
        models.bind(PREFIX, REGION, None)
        yield
    if previous is not None:
        models.bind(*previous)


@pytest.fixture
def cache(redis_url: str) -> Iterator[redis.Redis]:  # noqa: F811
    """A client on the real Redis, emptied before and after the test."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def ledger(kind: str, clock: FixedClock, request: pytest.FixtureRequest) -> MemoryLedger | AuditStore:
    """The audit ledger every audited repository writes through, of the same kind."""
    if kind == "memory":
        return MemoryLedger(clock)
    request.getfixturevalue("tables")
    return AuditStore(REGION, None, clock.now)
