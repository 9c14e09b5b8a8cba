"""Helpers for the config tests: clusters for a tenant, the audit trail, expired tokens."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource

from spothive.api.app import create_app
from spothive.domain.audit import AuditRecord, verify_chain
from spothive.domain.inventory import DiscoveredCluster
from tests.support.fakes import FixedClock
from tests.support.wired import Wired, wired


def add_cluster(org_id: str, name: str | None = None, account_id: str = "acct-test", nodegroups: tuple[str, ...] = ("general",)) -> str:
    """Store a discovered cluster for ``org_id`` and return its id."""
    cluster = DiscoveredCluster(
        account_id=account_id, region="us-east-1", name=name or f"c-{uuid.uuid4().hex[:8]}",
        arn="arn:aws:eks:us-east-1:111111111111:cluster/x", version="1.31", status="ACTIVE", nodegroups=nodegroups,
    )
    wired().inventory.upsert_clusters(org_id, [cluster], {}, datetime.now(UTC))
    return cluster.cluster_id


def audit_records(org_id: str) -> list[AuditRecord]:
    """The tenant's configuration audit records in order (sign-up's own record left out); the whole
    chain must verify."""
    store = wired().ledger
    records = list(store.records(org_id))
    assert verify_chain(records, store.head(org_id)) == []
    return [r for r in records if not r.action.startswith("auth.")]


def last_audit(org_id: str, action: str) -> AuditRecord:
    """The tenant's newest audit record with ``action``."""
    matching = [r for r in audit_records(org_id) if r.action == action]
    assert matching, f"no {action} record"
    return matching[-1]


def expired_headers(hub: dict[str, str], email: str) -> dict[str, str]:
    """A token with a valid emulator signature that expired an hour ago."""
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{hub['SPOTHIVE_COGNITO_USER_POOL_ID']}",
        "sub": "x", "aud": hub["SPOTHIVE_COGNITO_CLIENT_ID"], "token_use": "id", "email": email,
        "iat": now - 7200, "exp": now - 3600, "jti": f"expired-{uuid.uuid4().hex[:6]}",
    }
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    return {"Authorization": f"Bearer {jose_jwt.encode({'kid': 'dummy', 'alg': 'RS256'}, claims, key)}"}


def pinned_api(now: datetime) -> tuple[TestClient, Wired]:
    """A client whose services see ``now`` as the current time (until the test's overrides are cleared)."""
    services = wired()
    services.pin("clock", FixedClock(now))
    return TestClient(create_app()), services
