"""Users, orgs and linked accounts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from spothive.domain.audit import AuditEntry
from spothive.domain.tenancy import Account, AccountStatus, Org, User


class TenancyRepo(Protocol):
    """Users, orgs and accounts."""

    def create_signup(self, user: User, org: Org, account: Account, *, audit: AuditEntry | None = None) -> None:
        """Write all three (and ``audit``'s record) in one transaction; ``Conflict`` when the user exists."""
        ...

    def get_user(self, user_id: str) -> User | None:
        """The user whose immutable directory subject is ``user_id``."""
        ...

    def get_org(self, org_id: str) -> Org | None: ...

    def list_accounts(self, org_id: str) -> list[Account]: ...

    def get_account(self, org_id: str, account_id: str) -> Account | None: ...

    def save_account(
        self, account: Account, *, expected_status: AccountStatus | None = None, audit: AuditEntry | None = None
    ) -> None:
        """Write the account; with ``expected_status``, only if the stored status still matches.

        With ``audit``, its ledger record commits in the same transaction: both or neither.
        """
        ...

    def accounts_with_status(self, status: AccountStatus) -> Iterable[Account]: ...

    def client_orgs(self, prefix: str, after: str | None) -> Iterator[Org]:
        """Client orgs in listing-key order (``domain.client_list.name_key``) whose key starts with
        ``prefix`` and sorts after ``after``; lazily paged, a Query of the ``by_listing`` index."""
        ...
