"""The platform owner's side without AWS: impersonation rules, the client list's cursor and statuses,
worker traffic lights."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from spothive.domain.client_list import ClientStatus, client_status, decode_cursor, encode_cursor, name_key
from spothive.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from spothive.domain.impersonation import MAX_MINUTES, PLATFORM_ORG, ImpersonationGrant, new_grant
from spothive.domain.tenancy import Account, AccountStatus, Org, Role
from spothive.domain.worker_health import Light, traffic_light
from spothive.services.impersonation import ImpersonationService
from tests.support.fakes import NOW
from tests.support.fakes.audit import MemoryLedger
from tests.support.fakes.clock import FixedClock
from tests.support.fakes.identity import MemoryDenyList
from tests.support.fakes.tenancy import MemoryTenancyRepo
from tests.unit.services.helpers import principal


class EchoSigner:
    """A ``TokenSigner`` whose "token" is the claims themselves (signatures are the KMS adapter's tests)."""

    def __init__(self) -> None:
        self.issued: dict[str, dict[str, Any]] = {}

    def sign(self, claims: dict[str, Any]) -> str:
        self.issued[claims["jti"]] = claims
        return claims["jti"]

    def verify(self, token: str, *, audience: str, issuer: str) -> dict[str, Any]:
        claims = self.issued.get(token)
        if claims is None or claims["aud"] != audience or claims["iss"] != issuer:
            raise Unauthorized("invalid impersonation token")
        return claims


@pytest.fixture
def setup() -> tuple[ImpersonationService, MemoryTenancyRepo, MemoryLedger]:
    clock = FixedClock()
    ledger = MemoryLedger(clock)
    repo = MemoryTenancyRepo(ledger)
    repo.orgs["org-a"] = Org("org-a", "Alpha", NOW)
    return ImpersonationService(repo, EchoSigner(), MemoryDenyList(clock), ledger, clock), repo, ledger


ADMIN = principal(PLATFORM_ORG, "root", Role.SUPER_ADMIN)
REASON = "checking the savings figure the client asked about"


def test_a_grant_lasts_exactly_the_asked_minutes_and_never_past_the_admins_sign_in(setup: Any) -> None:
    service, _, ledger = setup
    token, grant = service.start(ADMIN, "org-a", REASON, 30)
    assert grant.expires_at - grant.issued_at == timedelta(minutes=30)
    acting = service.resolve(ADMIN, token)
    assert (acting.org_id, acting.role, acting.actor, acting.is_admin) == ("org-a", Role.CLIENT, "admin:root", False)
    assert acting.expires_at == min(grant.expires_at, ADMIN.expires_at)
    # both ledgers hold the grant, the client's first
    assert [r.action for r in ledger.records("org-a")] == ["impersonation.started"]
    assert [r.action for r in ledger.records(PLATFORM_ORG)] == ["impersonation.started"]


@pytest.mark.parametrize(("target", "error"), [(PLATFORM_ORG, Forbidden), ("org-missing", NotFound)])
def test_targets_that_are_refused(setup: Any, target: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        setup[0].start(ADMIN, target, REASON, 10)


@pytest.mark.parametrize(("minutes", "reason", "field"), [
    (MAX_MINUTES + 1, REASON, "minutes"), (0, REASON, "minutes"), (10, "   short   ", "reason"),
])
def test_bounds_name_the_field(setup: Any, minutes: int, reason: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        setup[0].start(ADMIN, "org-a", reason, minutes)
    assert caught.value.field == field


def test_client_users_and_impersonating_admins_cannot_start_one(setup: Any) -> None:
    service = setup[0]
    with pytest.raises(Forbidden):
        service.start(principal("org-a"), "org-a", REASON, 10)
    token, _ = service.start(ADMIN, "org-a", REASON, 10)
    with pytest.raises(Forbidden):  # no chaining: an impersonation principal is not an admin
        service.start(service.resolve(ADMIN, token), "org-a", REASON, 10)


def test_a_revoked_token_stops_working_and_the_revocation_is_recorded(setup: Any) -> None:
    service, _, ledger = setup
    token, grant = service.start(ADMIN, "org-a", REASON, 10)
    service.revoke(ADMIN, grant.token_id)
    with pytest.raises(Unauthorized, match="revoked"):
        service.resolve(ADMIN, token)
    assert [r.action for r in ledger.records("org-a")][-1] == "impersonation.revoked"
    with pytest.raises(NotFound):
        service.revoke(ADMIN, "imp-unknown")


def test_the_grant_survives_its_ledger_view() -> None:
    grant = new_grant("imp-1", "root", "root@spothive.io", "org-a", REASON, 15, NOW)
    assert ImpersonationGrant.from_view(grant.view()) == grant
    assert ImpersonationGrant.from_claims(grant.claims()) == grant


def test_cursors_round_trip_and_refuse_foreign_filters() -> None:
    key = name_key("Acme Corp", "org-1")
    assert key == "acme corp#org-1"
    assert decode_cursor(encode_cursor(key), "acme") == key
    for cursor, prefix in (("%%%", ""), (encode_cursor("nohash"), ""), (encode_cursor(key), "zeta")):
        with pytest.raises(InvalidInput) as caught:
            decode_cursor(cursor, prefix)
        assert caught.value.field == "cursor"


def _accounts(*statuses: AccountStatus) -> list[Account]:
    return [Account("org-1", f"acct-{i}", s, NOW) for i, s in enumerate(statuses)]


@pytest.mark.parametrize(("statuses", "expected"), [
    ((AccountStatus.PENDING,), ClientStatus.PENDING),
    ((AccountStatus.PENDING, AccountStatus.FAILED), ClientStatus.FAILED),
    ((AccountStatus.FAILED, AccountStatus.ACTIVE), ClientStatus.ACTIVE),
    ((AccountStatus.SCANNING,), ClientStatus.ACTIVE),
    ((), ClientStatus.PENDING),
])
def test_client_status(statuses: tuple[AccountStatus, ...], expected: ClientStatus) -> None:
    assert client_status(_accounts(*statuses)) is expected


@pytest.mark.parametrize(("backlog", "light"), [
    (0, Light.GREEN), (99, Light.GREEN), (100, Light.YELLOW), (500, Light.YELLOW), (501, Light.RED),
])
def test_traffic_lights_follow_the_mapping(backlog: int, light: Light) -> None:
    assert traffic_light(backlog) is light
