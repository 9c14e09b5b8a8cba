"""Sign-up, link, verify, discovery and logout each write one audit record, atomically with the change."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.tenancy import Account, AccountStatus, Org, Role, User
from spothive.local.demo_customer import seed_customer
from tests.integration.audit.support import by_action, raw_records, services, table
from tests.integration.slice.helpers import api, signup

pytestmark = pytest.mark.integration


def _aws_account() -> str:
    return str(uuid.uuid4().int)[:12].rjust(12, "1")


def test_signup_writes_exactly_one_record_with_org_user_and_account(hub: dict[str, str]) -> None:
    # Given a new customer
    client = api()
    # When they sign up
    tenant = signup(client, org_name="Globex")
    # Then the ledger holds one record, by the new user, describing what was created
    (record,) = raw_records(tenant.org_id)
    user_id = _subject(tenant.token)
    assert table("users").get_item(Key={"user_id": user_id})["Item"]["email"] == tenant.email
    assert (record["seq"], record["action"], record["actor"]) == (1, "auth.signup", f"user:{user_id}")
    assert (record["resource_type"], record["resource_id"]) == ("org", tenant.org_id)
    after = json.loads(record["after"])
    assert after["org"] == {"org_id": tenant.org_id, "name": "Globex"}
    assert after["user"] == {"user_id": user_id, "email": tenant.email, "role": "client"}
    assert after["account"]["account_id"] == tenant.account_id
    assert after["account"]["status"] == "pending"
    assert "before" not in record or record["before"] is None
    head = table("audit-logs").get_item(Key={"org_id": tenant.org_id, "seq": 0})["Item"]
    assert (head["last_seq"], head["last_hash"]) == (1, record["hash"])


def test_signup_of_an_existing_user_writes_neither_org_nor_record(hub: dict[str, str]) -> None:
    # Given an existing user (the directory keeps e-mails unique; the repository keys users by subject)
    client = api()
    existing = signup(client)
    now = datetime.now(UTC)
    org = Org(f"org-{uuid.uuid4().hex[:12]}", "Copycat", now)
    user = User(_subject(existing.token), existing.email, org.org_id, Role.CLIENT, now)
    account = Account(org.org_id, "acct-copy", AccountStatus.PENDING, now)
    entry = AuditEntry(f"user:{user.user_id}", "auth.signup", "org", org.org_id, after={"org": {"name": "Copycat"}})
    # When a second sign-up of the same user reaches the repository
    with pytest.raises(Conflict) as raised:
        services().tenancy.create_signup(user, org, account, audit=entry)
    # Then it is a conflict on the e-mail, and neither the org, the account nor any ledger item exists
    assert raised.value.field == "email"
    assert "Item" not in table("orgs").get_item(Key={"org_id": org.org_id})
    assert "Item" not in table("accounts").get_item(Key={"org_id": org.org_id, "account_id": "acct-copy"})
    assert table("audit-logs").query(
        KeyConditionExpression="org_id = :o", ExpressionAttributeValues={":o": org.org_id})["Items"] == []


def test_link_writes_one_record_showing_only_a_hint_of_the_external_id(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    # When the customer asks for the link
    link = client.post("/api/connect/link", headers=tenant.headers).json()
    # Then one account.link record holds the account before and after, the External ID as its last 4 characters
    (record,) = by_action(tenant.org_id, "account.link")
    assert record["resource_id"] == tenant.account_id
    assert record["actor"].startswith("user:")
    before, after = json.loads(record["before"]), json.loads(record["after"])
    assert (before["status"], before["external_id_hint"]) == ("pending", None)
    assert (after["status"], after["external_id_hint"]) == ("pending", "…" + link["external_id"][-4:])
    assert all(link["external_id"] not in str(item) for item in raw_records(tenant.org_id))


def test_verify_writes_one_verify_and_one_scan_record(hub: dict[str, str]) -> None:
    # Given a customer account with a 20-node cluster and 2 stand-alone instances, linked
    aws_id = _aws_account()
    customer = seed_customer(aws_id, cluster_name="audited")
    client = api()
    tenant = signup(client)
    client.post("/api/connect/link", headers=tenant.headers)
    # When the role is verified (discovery runs inline right after)
    response = client.post("/api/connect/verify", headers=tenant.headers,
                           json={"account_id": tenant.account_id, "role_arn": customer.role_arn})
    assert response.status_code == 200, response.text
    # Then one account.verify record moves pending → scanning with the parsed AWS account
    (verify,) = by_action(tenant.org_id, "account.verify")
    before, after = json.loads(verify["before"]), json.loads(verify["after"])
    assert (before["status"], after["status"]) == ("pending", "scanning")
    assert (before["aws_account_id"], after["aws_account_id"]) == (None, aws_id)
    assert after["role_arn"] == customer.role_arn
    # And one account.scan record by the discovery worker carries the counts, not the instances
    (scan,) = by_action(tenant.org_id, "account.scan")
    counts = json.loads(scan["after"])
    assert scan["actor"] == "system:discovery"
    assert (counts["status"], counts["clusters"], counts["instances"], counts["added"]) == ("active", 1, 22, 22)
    assert json.loads(scan["before"])["status"] == "scanning"
    assert [r["action"] for r in raw_records(tenant.org_id)] == [
        "auth.signup", "account.link", "account.verify", "account.scan"]


def test_a_stale_status_leaves_neither_the_change_nor_a_record(hub: dict[str, str]) -> None:
    # Given a linked, pending account
    client = api()
    tenant = signup(client)
    client.post("/api/connect/link", headers=tenant.headers)
    repo = services().tenancy
    pending = repo.get_account(tenant.org_id, tenant.account_id)
    assert pending is not None
    head_before = services().ledger.head(tenant.org_id)
    scanning = pending.moved_to(AccountStatus.SCANNING)
    entry = AuditEntry("user:test", "account.verify", "account", pending.account_id, after={"status": "scanning"})
    # When a verify expects the account to be scanning already (the business condition fails)
    with pytest.raises(Conflict) as raised:
        repo.save_account(scanning, expected_status=AccountStatus.SCANNING, audit=entry)
    # Then the account is unchanged and the chain did not move
    assert raised.value.field == "account_id"
    assert repo.get_account(tenant.org_id, tenant.account_id).status == AccountStatus.PENDING  # type: ignore[union-attr]
    assert services().ledger.head(tenant.org_id) == head_before
    assert by_action(tenant.org_id, "account.verify") == []


def test_a_failed_audit_append_leaves_the_change_unwritten(hub: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a pending account and a ledger slot that is already taken (the append's condition must fail)
    client = api()
    tenant = signup(client)
    repo, ledger = services().tenancy, services().ledger
    account = repo.get_account(tenant.org_id, tenant.account_id)
    assert account is not None
    table("audit-logs").put_item(Item={"org_id": tenant.org_id, "seq": 2, "action": "squatter"})
    monkeypatch.setattr("spothive.adapters.dynamo.audit_store.MAX_ATTEMPTS", 3)
    failed = account.moved_to(AccountStatus.FAILED, "probe denied")
    # When the account change is saved with its record
    with pytest.raises(Conflict):
        repo.save_account(failed, audit=AuditEntry("user:test", "account.verify", "account", account.account_id))
    # Then the account change was rolled back with it and the head still points at the sign-up
    assert repo.get_account(tenant.org_id, tenant.account_id).status == AccountStatus.PENDING  # type: ignore[union-attr]
    assert ledger.head(tenant.org_id).seq == 1


def test_logout_writes_one_record(hub: dict[str, str]) -> None:
    client = api()
    tenant = signup(client)
    assert client.post("/api/auth/logout", headers=tenant.headers).status_code == 200
    (record,) = by_action(tenant.org_id, "auth.logout")
    user_id = _subject(tenant.token)
    assert table("users").get_item(Key={"user_id": user_id})["Item"]["email"] == tenant.email
    assert (record["actor"], record["resource_type"], record["resource_id"]) == (f"user:{user_id}", "user", user_id)
    assert json.loads(record["after"])["token_revoked_until"].endswith("Z")


def _subject(token: str) -> str:
    """The Cognito ``sub`` a token names (its signature is checked elsewhere)."""
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["sub"])
