"""Impersonation grants: a super admin acting inside one client org for at most an hour.

The grant is what the hub-signed token carries. It names the client org (``org``), the admin who acts
(``sub``, the admin's directory subject, and ``email``), why (``reason``) and until when (``exp``). It
is only ever honoured next to the same admin's own, live sign-in token (see ADR 0008).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from spothive.domain.errors import Forbidden, InvalidInput, Unauthorized

#: Issuer and audience of impersonation tokens: never accepted where a Cognito token is expected.
ISSUER = "spothive-hub"
AUDIENCE = "spothive-impersonation"
MAX_MINUTES = 60
MIN_REASON = 10
MAX_REASON = 500
#: The org the platform owners belong to: never a target, never listed as a client.
PLATFORM_ORG = "platform"


@dataclass(frozen=True, slots=True)
class ImpersonationGrant:
    """Who impersonates which org, why, and for how long."""

    token_id: str
    admin_user_id: str
    admin_email: str
    org_id: str
    reason: str
    issued_at: datetime
    expires_at: datetime

    def claims(self) -> dict[str, Any]:
        """The token's JWT claims."""
        return {
            "iss": ISSUER, "aud": AUDIENCE, "jti": self.token_id, "sub": self.admin_user_id,
            "email": self.admin_email, "org": self.org_id, "reason": self.reason,
            "iat": int(self.issued_at.timestamp()), "exp": int(self.expires_at.timestamp()),
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> ImpersonationGrant:
        """The grant in verified ``claims``; ``Unauthorized`` when one is missing or malformed."""
        try:
            return cls(
                token_id=str(claims["jti"]), admin_user_id=str(claims["sub"]), admin_email=str(claims["email"]),
                org_id=str(claims["org"]), reason=str(claims["reason"]),
                issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Unauthorized(f"impersonation token lacks a valid claim: {exc}") from exc

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> ImpersonationGrant:
        """The grant back from what :meth:`view` recorded."""
        return cls(
            token_id=str(view["token_id"]), admin_user_id=str(view["admin_user_id"]),
            admin_email=str(view["admin_email"]), org_id=str(view["client_id"]), reason=str(view["reason"]),
            issued_at=_parse(view["issued_at"]), expires_at=_parse(view["expires_at"]),
        )

    def view(self) -> dict[str, Any]:
        """What the ledger and the API show about the grant (never the token itself)."""
        return {
            "token_id": self.token_id, "client_id": self.org_id, "admin_user_id": self.admin_user_id,
            "admin_email": self.admin_email, "reason": self.reason,
            "issued_at": _iso(self.issued_at), "expires_at": _iso(self.expires_at),
        }


def check_request(reason: str, minutes: int) -> str:
    """The trimmed reason; ``InvalidInput`` naming ``reason`` or ``minutes`` when out of bounds."""
    text = reason.strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(f"reason must say why, in at least {MIN_REASON} characters", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"reason must have at most {MAX_REASON} characters", field="reason")
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput(f"minutes must be between 1 and {MAX_MINUTES}", field="minutes")
    return text


def check_target(admin_org_id: str, target_org_id: str) -> None:
    """``Forbidden`` for the admin's own org and the platform owners' org (super admins live only there:
    ``spothive admin create-super-admin`` puts them in it, sign-up only ever makes client users)."""
    if target_org_id in (admin_org_id, PLATFORM_ORG):
        raise Forbidden("super admins cannot be impersonated", field="client_id")


def new_grant(
    token_id: str, admin_user_id: str, admin_email: str, org_id: str, reason: str, minutes: int, now: datetime,
) -> ImpersonationGrant:
    """A grant from ``now`` for ``minutes`` (whole seconds, as the token carries them)."""
    start = now.replace(microsecond=0)
    return ImpersonationGrant(token_id, admin_user_id, admin_email, org_id, reason, start,
                              start + timedelta(minutes=minutes))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: object) -> datetime:
    return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
