"""The user directory, token verification and revocation."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from spothive.domain.identity import Claims, TokenSet
from spothive.domain.rate_limits import RateLimit
from spothive.domain.tenancy import Role


class IdentityProvider(Protocol):
    """The user directory (Amazon Cognito)."""

    def create_user(self, email: str, password: str, *, org_id: str, role: Role) -> str:
        """Create the directory user and return its immutable subject (Cognito ``sub``); ``Conflict`` when
        the e-mail is taken."""
        ...

    def delete_user(self, email: str) -> None: ...

    def sign_out(self, email: str) -> None:
        """Revoke every refresh token of the user (they mint no new ID tokens)."""
        ...

    def authenticate(self, email: str, password: str) -> TokenSet: ...


class TokenVerifier(Protocol):
    """Checks a bearer token's signature, issuer, audience and expiry."""

    def verify(self, token: str) -> Claims: ...


class TokenDenyList(Protocol):
    """Revoked tokens, remembered until they would have expired anyway."""

    def revoke(self, token_id: str, until: datetime) -> None: ...

    def is_revoked(self, token_id: str) -> bool: ...


class RateLimiter(Protocol):
    """Per-caller request limits; ``RateLimited`` (with the seconds to wait) when one is exceeded."""

    def check(self, caller: str, limit: RateLimit) -> None: ...
