"""TenancyRepo: the in-memory fake and DynamoDB behave alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from spothive.adapters.dynamo.tenancy_repo import DynamoTenancyRepo
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.tenancy import Account, AccountStatus, Org, Role, User
from tests.support.fakes import NOW, MemoryTenancyRepo

ORG = Org("org-1", "Acme", NOW)
USER = User("sub-1", "a@example.com", "org-1", Role.CLIENT, NOW)
PLACEHOLDER = Account("org-1", "acct-b", AccountStatus.PENDING, NOW)


@pytest.fixture
def repo(kind, ledger):  # type: ignore[no-untyped-def]
    return MemoryTenancyRepo(ledger) if kind == "memory" else DynamoTenancyRepo("us-east-1", None, ledger)


def signup_entry() -> AuditEntry:
    return AuditEntry("user:sub-1", "auth.signup", "org", "org-1", after={"org": "Acme"})


def test_given_a_signup_when_read_back_then_user_org_account_and_one_record(repo, ledger):
    repo.create_signup(USER, ORG, PLACEHOLDER, audit=signup_entry())

    assert repo.get_user("sub-1") == USER
    assert repo.get_org("org-1") == ORG
    assert repo.list_accounts("org-1") == [PLACEHOLDER]
    assert [r.action for r in ledger.records("org-1")] == ["auth.signup"]


def test_given_the_user_exists_when_signing_up_again_then_conflict_on_email_and_nothing_written(repo, ledger):
    repo.create_signup(USER, ORG, PLACEHOLDER, audit=signup_entry())
    other_org = Org("org-2", "Other", NOW)

    with pytest.raises(Conflict) as caught:
        repo.create_signup(USER, other_org, Account("org-2", "acct-x", AccountStatus.PENDING, NOW),
                           audit=AuditEntry("user:sub-1", "auth.signup", "org", "org-2"))

    assert caught.value.field == "email"
    assert repo.get_org("org-2") is None
    assert list(ledger.records("org-2")) == []


def test_given_an_expected_status_when_it_no_longer_holds_then_conflict_and_the_stored_account_stays(repo, ledger):
    repo.create_signup(USER, ORG, PLACEHOLDER)
    linked = replace(PLACEHOLDER, status=AccountStatus.ACTIVE, role_arn="arn:aws:iam::123456789012:role/r")
    repo.save_account(linked, expected_status=AccountStatus.PENDING,
                      audit=AuditEntry("user:sub-1", "account.verify", "account", "acct-b"))

    with pytest.raises(Conflict) as caught:
        repo.save_account(replace(linked, status=AccountStatus.FAILED), expected_status=AccountStatus.PENDING,
                          audit=AuditEntry("user:sub-1", "account.verify", "account", "acct-b"))

    assert caught.value.field == "account_id"
    assert repo.get_account("org-1", "acct-b") == linked
    assert [r.action for r in ledger.records("org-1")] == ["account.verify"]


def test_accounts_are_listed_by_id_and_found_by_status(repo):
    repo.create_signup(USER, ORG, PLACEHOLDER)
    first = Account("org-1", "acct-a", AccountStatus.ACTIVE, NOW, aws_account_id="123456789012")
    repo.save_account(first)
    repo.save_account(Account("org-9", "acct-c", AccountStatus.ACTIVE, NOW))

    assert [a.account_id for a in repo.list_accounts("org-1")] == ["acct-a", "acct-b"]
    assert [a.account_id for a in repo.accounts_with_status(AccountStatus.ACTIVE)] == ["acct-a", "acct-c"]
    assert [a.account_id for a in repo.accounts_with_status(AccountStatus.PENDING)] == ["acct-b"]
    assert repo.get_account("org-1", "acct-z") is None
    assert repo.get_user("nobody") is None


def test_given_client_signups_when_listed_then_name_order_prefix_and_resume_after_a_key(repo):
    from spothive.domain.client_list import name_key

    for n, name in enumerate(("beta", "Alpha", "alpine", "Gamma")):
        repo.create_signup(User(f"sub-{n}", f"u{n}@example.com", f"org-{n}", Role.CLIENT, NOW),
                           Org(f"org-{n}", name, NOW), Account(f"org-{n}", f"acct-{n}", AccountStatus.PENDING, NOW))

    assert [o.name for o in repo.client_orgs("", None)] == ["Alpha", "alpine", "beta", "Gamma"]
    assert [o.name for o in repo.client_orgs("alp", None)] == ["Alpha", "alpine"]
    assert [o.name for o in repo.client_orgs("alp", name_key("Alpha", "org-1"))] == ["alpine"]
    assert [o.org_id for o in repo.client_orgs("zzz", None)] == []
