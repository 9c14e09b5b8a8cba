"""``GET /api/audit/verify`` finds records edited, deleted, reordered or cut off directly in DynamoDB."""

from __future__ import annotations

import pytest

from spothive.domain.audit import AuditEntry
from tests.integration.audit.support import raw_records, seed, table
from tests.integration.slice.helpers import api, signup

pytestmark = pytest.mark.integration


def _breaks(body: dict) -> list[tuple[int, str]]:  # type: ignore[type-arg]
    return [(b["seq"], b["kind"]) for b in body["breaks"]]


def test_verify_names_each_edit_deletion_and_reordering(hub: dict[str, str]) -> None:
    # Given a tenant whose chain holds 10 records and verifies clean
    client = api()
    tenant = signup(client)
    seed(tenant.org_id, [
        AuditEntry("user:u1", "policy.update", "policy", f"c-{n}", before={"max_nodes": n}, after={"max_nodes": n + 1})
        for n in range(9)
    ])
    clean = client.get("/api/audit/verify", headers=tenant.headers).json()
    assert clean == {"ok": True, "records": 10, "breaks": []}
    ledger = table("audit-logs")
    # When someone with table access edits record 2's content in place
    ledger.update_item(
        Key={"org_id": tenant.org_id, "seq": 2}, UpdateExpression="SET #a = :a",
        ExpressionAttributeNames={"#a": "after"}, ExpressionAttributeValues={":a": '{"max_nodes": 99}'},
    )
    # And deletes record 5
    ledger.delete_item(Key={"org_id": tenant.org_id, "seq": 5})
    # And swaps the contents of records 9 and 10 (each keeps its key)
    nine, ten = (i for i in raw_records(tenant.org_id) if int(i["seq"]) in (9, 10))
    ledger.put_item(Item={**ten, "seq": 9})
    ledger.put_item(Item={**nine, "seq": 10})
    # Then verify names every break by kind and seq
    body = client.get("/api/audit/verify", headers=tenant.headers).json()
    assert body["ok"] is False
    assert body["records"] == 9
    assert _breaks(body) == [
        (2, "edited"), (6, "missing"), (9, "edited"), (9, "reordered"), (10, "edited"), (10, "reordered"),
    ]
    missing = next(b for b in body["breaks"] if b["kind"] == "missing")
    assert missing["detail"] == "expected seq 5, found 6"


def test_verify_names_a_deleted_tail_as_truncation(hub: dict[str, str]) -> None:
    # Given a tenant with 4 records
    client = api()
    tenant = signup(client)
    seed(tenant.org_id, [AuditEntry("user:u1", "template.create", "template", f"t-{n}") for n in range(3)])
    # When the newest two are deleted (the head still says 4)
    for seq in (3, 4):
        table("audit-logs").delete_item(Key={"org_id": tenant.org_id, "seq": seq})
    # Then verify reports the chain cut after record 2
    body = client.get("/api/audit/verify", headers=tenant.headers).json()
    assert (body["ok"], body["records"]) == (False, 2)
    assert body["breaks"] == [{"seq": 3, "kind": "truncated", "detail": "head says 4 records, found 2"}]


def test_another_tenants_tampering_does_not_show_in_mine(hub: dict[str, str]) -> None:
    client = api()
    mine, theirs = signup(client), signup(client)
    table("audit-logs").update_item(
        Key={"org_id": theirs.org_id, "seq": 1}, UpdateExpression="SET actor = :a",
        ExpressionAttributeValues={":a": "user:mallory"},
    )
    assert client.get("/api/audit/verify", headers=mine.headers).json() == {"ok": True, "records": 1, "breaks": []}
    assert _breaks(client.get("/api/audit/verify", headers=theirs.headers).json()) == [(1, "edited")]
