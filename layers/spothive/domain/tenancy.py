"""Tenants, users and linked AWS accounts, and the rules for moving an account through its states."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from spothive.domain.errors import Conflict, InvalidInput

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}$")


class Role(StrEnum):
    """What a user may do: a client manages its own org; a super admin runs the platform."""

    CLIENT = "client"
    SUPER_ADMIN = "super_admin"


class AccountStatus(StrEnum):
    """Lifecycle of a linked AWS account."""

    PENDING = "pending"  # placeholder made at sign-up, or External ID issued, role not verified yet
    SCANNING = "scanning"  # role verified, first discovery running
    ACTIVE = "active"  # discovered at least once; scanned on every discovery tick
    FAILED = "failed"  # the role could not be assumed on the last attempt


#: Allowed transitions; anything else is a conflict.
_TRANSITIONS: dict[AccountStatus, frozenset[AccountStatus]] = {
    AccountStatus.PENDING: frozenset({AccountStatus.PENDING, AccountStatus.SCANNING, AccountStatus.FAILED}),
    AccountStatus.SCANNING: frozenset({AccountStatus.ACTIVE, AccountStatus.FAILED, AccountStatus.PENDING}),
    AccountStatus.ACTIVE: frozenset({AccountStatus.ACTIVE, AccountStatus.FAILED, AccountStatus.PENDING}),
    AccountStatus.FAILED: frozenset({AccountStatus.SCANNING, AccountStatus.ACTIVE, AccountStatus.PENDING}),
}


@dataclass(frozen=True, slots=True)
class Org:
    """A tenant."""

    org_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in; belongs to exactly one org."""

    user_id: str
    email: str
    org_id: str
    role: Role
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Account:
    """An AWS account linked (or being linked) to an org through a cross-account role."""

    org_id: str
    account_id: str
    status: AccountStatus
    created_at: datetime
    external_id: str | None = None
    aws_account_id: str | None = None
    role_arn: str | None = None
    status_reason: str | None = None
    last_scan_at: datetime | None = None

    def moved_to(self, status: AccountStatus, reason: str | None = None) -> Account:
        """This account in ``status``; a transition the lifecycle forbids is a ``Conflict``."""
        if status not in _TRANSITIONS[self.status]:
            raise Conflict(f"account {self.account_id} cannot go from {self.status} to {status}", field="status")
        return replace(self, status=status, status_reason=reason)


def normalize_email(email: str) -> str:
    """Lower-cased, trimmed e-mail; ``InvalidInput`` naming ``email`` when it is not one."""
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise InvalidInput("email is not a valid e-mail address", field="email")
    return value


def parse_role_arn(role_arn: str) -> str:
    """The 12-digit account of an IAM role ARN; ``InvalidInput`` naming ``role_arn`` otherwise."""
    match = _ROLE_ARN.match(role_arn.strip())
    if not match:
        raise InvalidInput("role_arn must look like arn:aws:iam::123456789012:role/Name", field="role_arn")
    return match["account"]


def landing_path(account_statuses: list[AccountStatus]) -> str:
    """Where the app sends a signed-in user: the dashboard once any account is active, else onboarding."""
    return "/dashboard" if AccountStatus.ACTIVE in account_statuses else "/onboarding"


#: What the API's app client may read from and write to a user's directory attributes. E-mail, org and
#: role are written by the hub alone (a user who could change them could claim another user's identity),
#: and the hub never reads identity from them anyway: users are keyed by the immutable ``sub``.
CLIENT_READ_ATTRIBUTES: tuple[str, ...] = ("email", "email_verified", "name", "custom:org_id", "custom:role")
CLIENT_WRITE_ATTRIBUTES: tuple[str, ...] = ("name",)
