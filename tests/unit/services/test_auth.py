"""AuthService on the in-memory fakes: sign-up and its compensation, sign-in, authentication, logout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.domain.errors import Conflict, InvalidInput, Unauthorized
from spothive.domain.tenancy import AccountStatus, Role, User
from spothive.services.auth import AuthService
from tests.support.fakes import NOW, Fakes

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world() -> Fakes:
    return Fakes()


@pytest.fixture
def auth(world: Fakes) -> AuthService:
    return AuthService(world.tenancy, world.directory, world.directory, world.deny_list, world.clock, world.ledger)


def test_given_a_new_customer_when_signing_up_then_user_org_pending_account_and_an_audit_record(auth, world):
    result = auth.signup("  Acme  ", "Alice@Example.com", PASSWORD)

    user = world.tenancy.get_user(result.user_id)
    assert user == User(result.user_id, "alice@example.com", result.org_id, Role.CLIENT, NOW)
    assert world.tenancy.get_org(result.org_id).name == "Acme"
    (account,) = world.tenancy.list_accounts(result.org_id)
    assert (account.account_id, account.status, account.external_id) == (result.account_id, AccountStatus.PENDING, None)
    (record,) = world.ledger.records(result.org_id)
    assert (record.action, record.actor, record.after["user"]["email"]) == (
        "auth.signup", f"user:{result.user_id}", "alice@example.com")
    assert world.directory.verify(result.tokens.id_token).subject == result.user_id


def test_given_the_transaction_fails_when_signing_up_then_the_directory_user_is_removed(auth, world):
    world.tenancy.fail_next_signup = Conflict("lost the race")

    with pytest.raises(Conflict, match="lost the race"):
        auth.signup("Acme", "bob@example.com", PASSWORD)

    assert world.directory.deleted == ["bob@example.com"]
    assert "bob@example.com" not in world.directory.users
    assert world.tenancy.users == {} and world.ledger.chains == {}


def test_given_a_taken_email_when_signing_up_then_conflict_before_anything_is_written(auth, world):
    auth.signup("Acme", "carol@example.com", PASSWORD)
    with pytest.raises(Conflict) as caught:
        auth.signup("Other", "CAROL@example.com", PASSWORD)
    assert caught.value.field == "email"
    assert len(world.tenancy.orgs) == 1 and world.directory.deleted == []


@pytest.mark.parametrize(("org", "password", "field"), [("   ", PASSWORD, "org_name"), ("Acme", "short", "password")])
def test_given_bad_input_when_signing_up_then_the_field_is_named_and_no_directory_user_exists(auth, world, org, password, field):
    with pytest.raises(InvalidInput) as caught:
        auth.signup(org, "dan@example.com", password)
    assert caught.value.field == field
    assert world.directory.users == {}


def test_given_credentials_when_taking_a_token_then_tokens_and_the_stored_role(auth, world):
    auth.signup("Acme", "erin@example.com", PASSWORD)

    tokens, role = auth.token(" Erin@Example.com ", PASSWORD)

    assert role is Role.CLIENT and tokens.expires_in == 3600
    with pytest.raises(Unauthorized):
        auth.token("erin@example.com", "wrong-password-123")


def test_identity_comes_from_the_sub_and_the_hubs_own_records(auth, world):
    signed = auth.signup("Acme", "fay@example.com", PASSWORD)
    world.tenancy.users[signed.user_id] = User(signed.user_id, "fay@example.com", signed.org_id, Role.SUPER_ADMIN, NOW)
    forged = world.directory.issue(signed.user_id, "mallory@example.com", org_id="org-evil", role="admin")

    principal = auth.authenticate(forged)

    assert (principal.user_id, principal.email, principal.org_id, principal.role) == (
        signed.user_id, "fay@example.com", signed.org_id, Role.SUPER_ADMIN)
    assert principal.expires_at == NOW + timedelta(hours=1)


def test_an_unverified_email_or_an_unknown_sub_is_refused(auth, world):
    signed = auth.signup("Acme", "gus@example.com", PASSWORD)
    unverified = world.directory.issue(signed.user_id, "gus@example.com", email_verified=False)
    stranger = world.directory.issue("sub-nobody", "x@example.com")

    with pytest.raises(Unauthorized, match="not verified"):
        auth.authenticate(unverified)
    with pytest.raises(Unauthorized, match="no SpotHive user"):
        auth.authenticate(stranger)


def test_logout_revokes_the_token_until_it_expires_signs_out_and_is_recorded(auth, world):
    signed = auth.signup("Acme", "hal@example.com", PASSWORD)
    principal = auth.authenticate(signed.tokens.id_token)

    auth.logout(principal)

    assert world.deny_list.revoked == {principal.token_id: principal.expires_at}
    assert world.directory.users["hal@example.com"].signed_out == 1
    with pytest.raises(Unauthorized, match="revoked"):
        auth.authenticate(signed.tokens.id_token)
    last = list(world.ledger.records(signed.org_id))[-1]
    assert (last.action, last.after) == ("auth.logout", {"token_revoked_until": "2026-03-08T11:00:00.000Z"})


def test_me_lands_a_new_customer_on_onboarding(auth):
    signed = auth.signup("Acme", "ivy@example.com", PASSWORD)
    me = auth.me(auth.authenticate(signed.tokens.id_token))
    assert (me.org_name, me.account_statuses) == ("Acme", [AccountStatus.PENDING])
    assert me.redirect_path == "/onboarding"
