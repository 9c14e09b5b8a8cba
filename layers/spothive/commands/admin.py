"""``spothive admin create-super-admin``: a platform owner in the users table and the Cognito pool.

The user belongs to the ``platform`` org (created when absent) with role ``super_admin``; the action is
written to the platform audit ledger. A directory failure removes the user item again.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from spothive.adapters.dynamo.models import OrgModel, UserModel
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import InvalidInput, SpotHiveError
from spothive.domain.tenancy import Role, User, normalize_email
from spothive.services.auth import MIN_PASSWORD

PLATFORM_ORG = "platform"


def create_super_admin(email: str, password: str) -> User:
    """Create the user (``Conflict`` when the e-mail exists, ``InvalidInput`` for a weak password)."""
    from spothive.wiring import identity, kernel

    email = normalize_email(email)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD} characters", field="password")
    now = datetime.now(UTC)
    kernel.core()  # binds the tables
    try:
        OrgModel(PLATFORM_ORG, name="SpotHive platform", created_at=now).save(
            condition=OrgModel.org_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    directory = identity.directory()
    # the directory keeps e-mails unique and gives the immutable subject that keys the user
    subject = directory.create_user(email, password, org_id=PLATFORM_ORG, role=Role.SUPER_ADMIN)
    user = User(subject, email, PLATFORM_ORG, Role.SUPER_ADMIN, now)
    try:
        UserModel(subject, email=email, org_id=PLATFORM_ORG, role=Role.SUPER_ADMIN.value,
                  created_at=now).save(condition=UserModel.user_id.does_not_exist())
    except Exception:
        directory.delete_user(email)
        raise
    kernel.ledger().write(PLATFORM_ORG, AuditEntry(
        "system:cli", "admin.create_super_admin", "user", user.user_id, after={"email": email, "role": "super_admin"}))
    return user


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``admin create-super-admin``."""
    admin = subparsers.add_parser("admin", help="platform administration")
    actions = admin.add_subparsers(dest="admin_command", required=True)
    create = actions.add_parser("create-super-admin", help="create a platform owner (role super_admin)")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.set_defaults(func=_create)


def _create(args: argparse.Namespace) -> int:
    try:
        user = create_super_admin(args.email, args.password)
    except SpotHiveError as exc:
        print(f"error: {exc.field or 'input'}: {exc.message}")
        return 2
    print(f"super admin {user.email} created (user_id {user.user_id})")
    return 0
