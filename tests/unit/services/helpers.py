"""Who calls the services in these tests."""

from __future__ import annotations

from datetime import timedelta

from spothive.domain.identity import Principal
from spothive.domain.tenancy import Role
from tests.support.fakes import NOW


def principal(org_id: str = "org-1", user_id: str = "u-1", role: Role = Role.CLIENT) -> Principal:
    """A signed-in user of ``org_id`` whose token expires an hour from ``NOW``."""
    return Principal(user_id, f"{user_id}@example.com", org_id, role, f"jti-{user_id}", NOW + timedelta(hours=1))
