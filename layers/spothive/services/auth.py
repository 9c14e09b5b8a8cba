"""Sign-up, sign-in, logout and "who am I" (CORE-API auth_service)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from spothive.domain.audit import AuditEntry, format_timestamp
from spothive.domain.audit_views import account_view
from spothive.domain.errors import InvalidInput, Unauthorized
from spothive.domain.identity import Principal, TokenSet
from spothive.domain.tenancy import Account, AccountStatus, Org, Role, User, landing_path, normalize_email
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.identity import IdentityProvider, TokenDenyList, TokenVerifier
from spothive.ports.tenancy import TenancyRepo

MIN_PASSWORD = 12


@dataclass(frozen=True, slots=True)
class SignupResult:
    """What a new customer gets back."""

    user_id: str
    org_id: str
    account_id: str
    tokens: TokenSet


@dataclass(frozen=True, slots=True)
class Me:
    """The signed-in user and where the app should take them."""

    principal: Principal
    org_name: str
    account_statuses: list[AccountStatus]
    redirect_path: str


class AuthService:
    """Use cases of the auth endpoints."""

    def __init__(
        self,
        repo: TenancyRepo,
        idp: IdentityProvider,
        verifier: TokenVerifier,
        deny_list: TokenDenyList,
        clock: Clock,
        ledger: AuditLedger,
    ) -> None:
        self._ledger = ledger
        self._repo = repo
        self._idp = idp
        self._verifier = verifier
        self._deny = deny_list
        self._clock = clock

    def signup(self, org_name: str, email: str, password: str) -> SignupResult:
        """Create the directory user, then user, org and placeholder account atomically, then sign in.

        The directory runs first: it keeps e-mails unique (a duplicate fails before anything exists) and
        gives the user its immutable subject, which keys the user item. If the transaction fails
        afterwards, the directory user is removed again.
        """
        email = normalize_email(email)
        name = org_name.strip()
        if not name:
            raise InvalidInput("org_name must not be empty", field="org_name")
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"password must have at least {MIN_PASSWORD} characters", field="password")
        now = self._clock.now()
        org = Org(org_id=f"org-{uuid.uuid4().hex[:12]}", name=name, created_at=now)
        subject = self._idp.create_user(email, password, org_id=org.org_id, role=Role.CLIENT)
        user = User(user_id=subject, email=email, org_id=org.org_id, role=Role.CLIENT, created_at=now)
        account = Account(
            org_id=org.org_id, account_id=f"acct-{uuid.uuid4().hex[:12]}", status=AccountStatus.PENDING,
            created_at=now,
        )
        actor = f"user:{user.user_id}"
        created = {
            "org": {"org_id": org.org_id, "name": org.name},
            "user": {"user_id": user.user_id, "email": user.email, "role": user.role.value},
            "account": account_view(account),
        }
        try:
            self._repo.create_signup(
                user, org, account, audit=AuditEntry(actor, "auth.signup", "org", org.org_id, after=created)
            )
        except Exception:
            self._idp.delete_user(email)
            raise
        tokens = self._idp.authenticate(email, password)
        return SignupResult(user.user_id, org.org_id, account.account_id, tokens)

    def token(self, email: str, password: str) -> tuple[TokenSet, Role]:
        """Sign in; the same ``Unauthorized`` for an unknown user and a wrong password."""
        tokens = self._idp.authenticate(normalize_email(email), password)
        return tokens, self.authenticate(tokens.id_token).role

    def authenticate(self, token: str) -> Principal:
        """The principal behind a bearer token that is valid and not revoked.

        Identity comes from the immutable ``sub`` alone: the e-mail, org and role are the hub's own
        records, never the token's (mutable) attributes or any other claim, and an unverified e-mail
        is refused.
        """
        claims = self._verifier.verify(token)
        if self._deny.is_revoked(claims.token_id):
            raise Unauthorized("token has been revoked")
        if str(claims.raw.get("email_verified", "false")).lower() != "true":
            raise Unauthorized("the token's e-mail address is not verified")
        user = self._repo.get_user(claims.subject)
        if user is None:
            raise Unauthorized("token names no SpotHive user")
        return Principal(
            user_id=user.user_id, email=user.email, org_id=user.org_id, role=user.role, token_id=claims.token_id,
            expires_at=claims.expires_at,
        )

    def logout(self, principal: Principal) -> None:
        """Deny-list the caller's ID token until it expires and revoke their refresh tokens, then record it
        (the deny-list and the directory are separate stores, so the record follows the revocation)."""
        self._deny.revoke(principal.token_id, principal.expires_at)
        self._idp.sign_out(principal.email)
        self._ledger.write(
            principal.org_id,
            AuditEntry(principal.actor, "auth.logout", "user", principal.user_id,
                       after={"token_revoked_until": format_timestamp(principal.expires_at)}),
        )

    def me(self, principal: Principal) -> Me:
        """The caller, their org and where to land."""
        org = self._repo.get_org(principal.org_id)
        statuses = [a.status for a in self._repo.list_accounts(principal.org_id)]
        return Me(principal, org.name if org else "", statuses, landing_path(statuses))
