"""Shared pieces of the audit tests: raw ledger reads, forged tokens, and swapping the export sink."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from spothive.domain.audit import AuditEntry
from spothive.ports.audit import ExportSink
from spothive.services.audit import AuditService
from spothive.wiring import registry
from tests.support.wired import Wired, wired


def table(suffix: str) -> Any:
    """A boto3 Table of the test deployment."""
    return boto3.resource("dynamodb", region_name="us-east-1").Table(f"it-{suffix}")


def raw_records(org_id: str) -> list[dict[str, Any]]:
    """The tenant's stored ledger items (seq 1…), straight from DynamoDB."""
    items = table("audit-logs").query(KeyConditionExpression=Key("org_id").eq(org_id) & Key("seq").gt(0))["Items"]
    return sorted(items, key=lambda i: int(i["seq"]))


def by_action(org_id: str, action: str) -> list[dict[str, Any]]:
    """Stored records of one action."""
    return [i for i in raw_records(org_id) if i["action"] == action]


def services() -> Wired:
    return wired()


def seed(org_id: str, entries: list[AuditEntry]) -> None:
    """Append records straight to the tenant's chain."""
    ledger = services().ledger
    for entry in entries:
        ledger.write(org_id, entry)


def expired_token(hub: dict[str, str], email: str) -> str:
    """A token with a valid emulator signature that expired an hour ago."""
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{hub['SPOTHIVE_COGNITO_USER_POOL_ID']}",
        "sub": "x", "aud": hub["SPOTHIVE_COGNITO_CLIENT_ID"], "token_use": "id", "email": email,
        "iat": now - 7200, "exp": now - 3600, "jti": f"expired-{now}",
    }
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return jose_jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, key)


@contextmanager
def export_sink(sink: ExportSink) -> Iterator[None]:
    """Serve exports through ``sink`` for the duration."""
    container = services()
    saved = registry.overrides()
    container.pin("audit", AuditService(container.ledger, sink, container.clock))
    try:
        yield
    finally:
        registry.restore_overrides(saved)
