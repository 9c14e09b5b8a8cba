"""Who is calling: verified token claims, the request principal and sign-in tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spothive.domain.tenancy import Role


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified access token says about its bearer."""

    subject: str
    email: str
    token_id: str
    expires_at: datetime
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of a request: whose data it reaches (``org_id``) and who acts (``actor``)."""

    user_id: str
    email: str
    org_id: str
    role: Role
    token_id: str
    expires_at: datetime
    impersonated_by: str | None = None

    @property
    def is_admin(self) -> bool:
        """True for platform owners (never for an impersonation token)."""
        return self.role == Role.SUPER_ADMIN and self.impersonated_by is None

    @property
    def actor(self) -> str:
        """The identity the audit ledger records."""
        return f"admin:{self.impersonated_by}" if self.impersonated_by else f"user:{self.user_id}"


@dataclass(frozen=True, slots=True)
class TokenSet:
    """Tokens issued at sign-in."""

    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int
