"""The user directory, token verifier, deny-list and rate limiter in memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spothive.domain.errors import Conflict, RateLimited, Unauthorized
from spothive.domain.identity import Claims, TokenSet
from spothive.domain.rate_limits import RateLimit
from spothive.domain.tenancy import Role
from spothive.ports.clock import Clock

#: Lifetime of the ID tokens ``MemoryDirectory`` issues.
TOKEN_LIFETIME = timedelta(hours=1)


@dataclass
class DirectoryUser:
    """One directory entry."""

    subject: str
    email: str
    password: str
    org_id: str
    role: Role
    email_verified: bool = True
    signed_out: int = 0


@dataclass
class MemoryDirectory:
    """``IdentityProvider`` and ``TokenVerifier`` in one: issues opaque tokens it alone can verify."""

    clock: Clock
    users: dict[str, DirectoryUser] = field(default_factory=dict)
    tokens: dict[str, Claims] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)

    def create_user(self, email: str, password: str, *, org_id: str, role: Role) -> str:
        if email in self.users:
            raise Conflict("an account with this email already exists", field="email")
        subject = str(uuid.uuid4())
        self.users[email] = DirectoryUser(subject, email, password, org_id, role)
        return subject

    def delete_user(self, email: str) -> None:
        self.users.pop(email, None)
        self.deleted.append(email)

    def sign_out(self, email: str) -> None:
        self.users[email].signed_out += 1

    def authenticate(self, email: str, password: str) -> TokenSet:
        """Tokens for the right password; the same ``Unauthorized`` for an unknown user or a wrong one."""
        user = self.users.get(email)
        if user is None or user.password != password:
            raise Unauthorized("incorrect username or password")
        token = self.issue(user.subject, email, email_verified=user.email_verified)
        return TokenSet(token, f"access-{token}", f"refresh-{token}", int(TOKEN_LIFETIME.total_seconds()))

    def issue(self, subject: str, email: str, *, email_verified: bool = True, **claims: Any) -> str:
        """A token whose claims ``verify`` returns (``claims`` adds or overrides raw ones)."""
        token_id = uuid.uuid4().hex
        expires = self.clock.now() + TOKEN_LIFETIME
        raw = {"sub": subject, "email": email, "email_verified": "true" if email_verified else "false",
               "jti": token_id, **claims}
        self.tokens[token_id] = Claims(subject, email, token_id, expires, raw)
        return token_id

    def verify(self, token: str) -> Claims:
        """The claims of a token this directory issued and that has not expired."""
        claims = self.tokens.get(token)
        if claims is None or claims.expires_at <= self.clock.now():
            raise Unauthorized("invalid or expired token")
        return claims


class MemoryDenyList:
    """``TokenDenyList`` whose entries expire at ``until`` on ``clock`` (as the DynamoDB TTL is read)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.revoked: dict[str, datetime] = {}

    def revoke(self, token_id: str, until: datetime) -> None:
        self.revoked[token_id] = until

    def is_revoked(self, token_id: str) -> bool:
        until = self.revoked.get(token_id)
        return until is not None and until > self._clock.now()


class MemoryRateLimiter:
    """``RateLimiter`` with the moving window of the Redis limiter: at most ``limit`` calls in any
    ``window_seconds``, counted on ``clock``."""

    def __init__(self, clock: Clock, enabled: bool = True) -> None:
        self._clock = clock
        self._enabled = enabled
        self.calls: dict[tuple[str, str], list[float]] = {}

    def check(self, caller: str, limit: RateLimit) -> None:
        if not self._enabled:
            return
        now = self._clock.now().timestamp()
        recent = [t for t in self.calls.get((limit.name, caller), []) if t > now - limit.window_seconds]
        if len(recent) >= limit.limit:
            retry_after = int(recent[0] + limit.window_seconds - now) + 1
            self.calls[(limit.name, caller)] = recent
            raise RateLimited(
                f"rate limit of {limit.limit} per {limit.window_seconds}s exceeded; retry in {retry_after}s",
                retry_after=retry_after,
            )
        self.calls[(limit.name, caller)] = [*recent, now]
