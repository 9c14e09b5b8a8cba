"""Users, orgs and accounts in memory, with the DynamoDB adapter's conditional writes."""

from __future__ import annotations

from collections.abc import Iterator

from spothive.domain.audit import AuditEntry
from spothive.domain.client_list import name_key
from spothive.domain.errors import Conflict
from spothive.domain.impersonation import PLATFORM_ORG
from spothive.domain.tenancy import Account, AccountStatus, Org, User
from tests.support.fakes.audit import MemoryLedger


class MemoryTenancyRepo:
    """``TenancyRepo`` over dicts; audited writes land with their record through ``MemoryLedger.commit``."""

    def __init__(self, ledger: MemoryLedger) -> None:
        self._ledger = ledger
        self.users: dict[str, User] = {}
        self.orgs: dict[str, Org] = {}
        self.accounts: dict[tuple[str, str], Account] = {}
        #: Set to make the next ``create_signup`` fail as a lost transaction would.
        self.fail_next_signup: Exception | None = None

    def create_signup(self, user: User, org: Org, account: Account, *, audit: AuditEntry | None = None) -> None:
        def change() -> None:
            if self.fail_next_signup is not None:
                failure, self.fail_next_signup = self.fail_next_signup, None
                raise failure
            if user.user_id in self.users or org.org_id in self.orgs or (org.org_id, account.account_id) in self.accounts:
                raise Conflict("an account with this email already exists", field="email")
            self.users[user.user_id] = user
            self.orgs[org.org_id] = org
            self.accounts[(account.org_id, account.account_id)] = account

        self._ledger.commit(org.org_id, audit, change)

    def get_user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def get_org(self, org_id: str) -> Org | None:
        return self.orgs.get(org_id)

    def client_orgs(self, prefix: str, after: str | None) -> Iterator[Org]:
        """Orgs made by sign-up, in listing-key order, as the ``by_listing`` index holds them."""
        keyed = sorted((name_key(o.name, o.org_id), o) for o in self.orgs.values() if o.org_id != PLATFORM_ORG)
        for key, org in keyed:
            if key.startswith(prefix) and (after is None or key > after):
                yield org

    def list_accounts(self, org_id: str) -> list[Account]:
        """The org's accounts by ``account_id`` (the table's sort key)."""
        return [a for (o, _), a in sorted(self.accounts.items()) if o == org_id]

    def get_account(self, org_id: str, account_id: str) -> Account | None:
        return self.accounts.get((org_id, account_id))

    def save_account(
        self, account: Account, *, expected_status: AccountStatus | None = None, audit: AuditEntry | None = None
    ) -> None:
        key = (account.org_id, account.account_id)

        def change() -> None:
            stored = self.accounts.get(key)
            if expected_status is not None and (stored is None or stored.status != expected_status):
                raise Conflict(f"account {account.account_id} changed meanwhile; retry", field="account_id")
            self.accounts[key] = account

        self._ledger.commit(account.org_id, audit, change)

    def accounts_with_status(self, status: AccountStatus) -> Iterator[Account]:
        """Accounts in ``status`` by ``account_id`` (the index's sort key)."""
        found = [a for a in self.accounts.values() if a.status == status]
        yield from sorted(found, key=lambda a: a.account_id)
