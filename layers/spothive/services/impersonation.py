"""Impersonation (CORE-API admin_service): a super admin acts inside a client org, audited on both sides.

Every step leaves a record in the client's own ledger (so the client sees who was inside, when and why)
and in the platform ledger: the grant, each request made under it, and its revocation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

from spothive.domain.audit import AuditEntry, AuditRecord
from spothive.domain.errors import Forbidden, NotFound, Unauthorized
from spothive.domain.identity import Principal
from spothive.domain.impersonation import (
    AUDIENCE,
    ISSUER,
    MAX_MINUTES,
    PLATFORM_ORG,
    ImpersonationGrant,
    check_request,
    check_target,
    new_grant,
)
from spothive.domain.tenancy import Role
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.identity import TokenDenyList
from spothive.ports.signing import TokenSigner
from spothive.ports.tenancy import TenancyRepo

STARTED, REQUEST, REVOKED = "impersonation.started", "impersonation.request", "impersonation.revoked"
RESOURCE = "impersonation"


class ImpersonationService:
    """Issue, honour and revoke impersonation tokens."""

    def __init__(
        self, repo: TenancyRepo, signer: TokenSigner, deny_list: TokenDenyList, ledger: AuditLedger, clock: Clock,
    ) -> None:
        self._repo = repo
        self._signer = signer
        self._deny = deny_list
        self._ledger = ledger
        self._clock = clock

    def start(self, admin: Principal, client_id: str, reason: str, minutes: int) -> tuple[str, ImpersonationGrant]:
        """A signed token for ``client_id``, recorded in the client's and the platform's ledgers first."""
        if not admin.is_admin:
            raise Forbidden("super_admin role required")
        text = check_request(reason, minutes)
        check_target(admin.org_id, client_id)
        if self._repo.get_org(client_id) is None:
            raise NotFound(f"no client {client_id}", field="client_id")
        grant = new_grant(f"imp-{uuid.uuid4().hex}", admin.user_id, admin.email, client_id, text, minutes,
                          self._clock.now())
        entry = AuditEntry(_actor(admin), STARTED, RESOURCE, grant.token_id, after=grant.view(), reason=text)
        # the client's ledger first: a token is never handed out that the client cannot see
        self._ledger.write(client_id, entry)
        self._ledger.write(PLATFORM_ORG, entry)
        return self._signer.sign(grant.claims()), grant

    def resolve(self, admin: Principal, token: str) -> Principal:
        """The principal acting in the client org, for a valid token issued to ``admin`` (who signed in as
        themselves and is still a super admin); ``Unauthorized`` or ``Forbidden`` otherwise."""
        grant = ImpersonationGrant.from_claims(self._signer.verify(token, audience=AUDIENCE, issuer=ISSUER))
        if grant.admin_user_id != admin.user_id:
            raise Unauthorized("the impersonation token was issued to another user")
        if not admin.is_admin:
            raise Forbidden("impersonation needs a super admin's own sign-in")
        if self._deny.is_revoked(grant.token_id):
            raise Unauthorized("impersonation token has been revoked")
        return Principal(
            user_id=admin.user_id, email=admin.email, org_id=grant.org_id, role=Role.CLIENT,
            token_id=grant.token_id, expires_at=min(grant.expires_at, admin.expires_at),
            impersonated_by=admin.user_id,
        )

    def record_request(self, principal: Principal, method: str, path: str) -> None:
        """One record in the client's ledger per request made while impersonating, before it runs."""
        if principal.impersonated_by is None:
            return
        self._ledger.write(principal.org_id, AuditEntry(
            principal.actor, REQUEST, RESOURCE, principal.token_id,
            after={"method": method, "path": path, "admin_email": principal.email}))

    def revoke(self, admin: Principal, token_id: str) -> ImpersonationGrant:
        """Deny-list ``token_id`` until it would expire and record that on both sides; ``NotFound`` when
        the platform issued no such token in the last hour."""
        if not admin.is_admin:
            raise Forbidden("super_admin role required")
        grant = self._find(token_id)
        if grant is None:
            raise NotFound(f"no live impersonation token {token_id}", field="token_id")
        self._deny.revoke(grant.token_id, grant.expires_at)
        entry = AuditEntry(_actor(admin), REVOKED, RESOURCE, grant.token_id,
                           after={**grant.view(), "revoked_by": admin.email})
        self._ledger.write(grant.org_id, entry)
        self._ledger.write(PLATFORM_ORG, entry)
        return grant

    def _find(self, token_id: str) -> ImpersonationGrant | None:
        """The grant as the platform ledger recorded it: newest first, no further back than a token lives."""
        oldest = self._clock.now() - timedelta(minutes=MAX_MINUTES)
        for record in self._recent(oldest.strftime("%Y-%m-%dT%H:%M:%S")):
            if record.action == STARTED and record.resource_id == token_id and record.after:
                grant = ImpersonationGrant.from_view(record.after)
                return grant if grant.expires_at > self._clock.now() else None
        return None

    def _recent(self, oldest: str) -> Iterator[AuditRecord]:
        for record in self._ledger.records(PLATFORM_ORG, newest_first=True):
            if record.timestamp < oldest:
                return
            yield record



def _actor(admin: Principal) -> str:
    """Platform owners appear as ``admin:<id>`` in a client's ledger, as impersonated requests do."""
    return f"admin:{admin.user_id}"
