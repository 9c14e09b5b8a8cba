"""Users, orgs and accounts in DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo.audit_store import AuditStore, TxnBuilder
from spothive.adapters.dynamo.models import AccountModel, OrgModel, UserModel
from spothive.adapters.system_clock import SystemClock
from spothive.domain.audit import AuditEntry
from spothive.domain.client_list import LISTING, name_key
from spothive.domain.errors import Conflict
from spothive.domain.tenancy import Account, AccountStatus, Org, Role, User


class DynamoTenancyRepo:
    """``TenancyRepo`` on the users, orgs and accounts tables; audited writes go through ``AuditStore``."""

    def __init__(self, region: str, host: str | None, ledger: AuditStore | None = None) -> None:
        self._ledger = ledger or AuditStore(region, host, SystemClock().now)

    def create_signup(self, user: User, org: Org, account: Account, *, audit: AuditEntry | None = None) -> None:
        """User, org, placeholder account (and ``audit``'s record) in one transaction (the directory keeps e-mails unique)."""

        def build(txn: TransactWrite) -> None:
            txn.save(_user_item(user), condition=UserModel.user_id.does_not_exist())
            txn.save(OrgModel(org.org_id, name=org.name, created_at=org.created_at, listing=LISTING,
                              name_key=name_key(org.name, org.org_id)),
                     condition=OrgModel.org_id.does_not_exist())
            txn.save(_account_item(account), condition=AccountModel.account_id.does_not_exist())

        duplicate = Conflict("an account with this email already exists", field="email")
        self._commit(org.org_id, build, audit, duplicate)

    def get_user(self, user_id: str) -> User | None:
        """The user whose Cognito ``sub`` is ``user_id``."""
        try:
            item = UserModel.get(user_id, consistent_read=True)
        except UserModel.DoesNotExist:
            return None
        return User(item.user_id, item.email, item.org_id, Role(item.role), item.created_at)

    def get_org(self, org_id: str) -> Org | None:
        try:
            item = OrgModel.get(org_id)
        except OrgModel.DoesNotExist:
            return None
        return Org(item.org_id, item.name, item.created_at)

    def list_accounts(self, org_id: str) -> list[Account]:
        return [_account(i) for i in AccountModel.query(org_id, consistent_read=True)]

    def get_account(self, org_id: str, account_id: str) -> Account | None:
        try:
            return _account(AccountModel.get(org_id, account_id, consistent_read=True))
        except AccountModel.DoesNotExist:
            return None

    def save_account(
        self, account: Account, *, expected_status: AccountStatus | None = None, audit: AuditEntry | None = None
    ) -> None:
        """Write the account (with ``expected_status``: only if the stored status still matches) and, with
        ``audit``, its ledger record in the same transaction."""
        condition = AccountModel.status == expected_status.value if expected_status else None
        stale = Conflict(f"account {account.account_id} changed meanwhile; retry", field="account_id")

        def build(txn: TransactWrite) -> None:
            txn.save(_account_item(account), condition=condition)

        self._commit(account.org_id, build, audit, stale)

    def _commit(self, org_id: str, build: TxnBuilder, audit: AuditEntry | None, conflict: Conflict) -> None:
        """Run ``build`` in one transaction, with ``audit``'s record appended when given."""
        if audit is not None:
            self._ledger.write(org_id, audit, build, conflict=conflict)
            return
        try:
            with TransactWrite(connection=self._ledger.connection) as txn:
                build(txn)
        except TransactWriteError as exc:
            reasons = [r.code for r in (exc.cancellation_reasons or []) if r is not None]
            if "ConditionalCheckFailed" in reasons:
                raise conflict from exc
            raise

    def client_orgs(self, prefix: str, after: str | None) -> Iterator[Org]:
        """Query ``by_listing`` (``begins_with`` the prefix), resuming after ``after``'s key."""
        condition = OrgModel.name_key.startswith(prefix) if prefix else None
        start = None
        if after is not None:
            start = {"listing": {"S": LISTING}, "name_key": {"S": after},
                     "org_id": {"S": after.rsplit("#", 1)[1]}}
        for item in OrgModel.by_listing.query(LISTING, condition, last_evaluated_key=start, page_size=50):
            yield Org(item.org_id, item.name, item.created_at)

    def accounts_with_status(self, status: AccountStatus) -> Iterator[Account]:
        """Query the ``by_status`` index (paginated by pynamodb)."""
        for item in AccountModel.by_status.query(status.value):
            yield _account(item)


def _user_item(user: User) -> UserModel:
    return UserModel(
        user.user_id, email=user.email, org_id=user.org_id, role=user.role.value, created_at=user.created_at
    )


def _account_item(account: Account) -> AccountModel:
    return AccountModel(
        account.org_id,
        account.account_id,
        status=account.status.value,
        created_at=account.created_at,
        external_id=account.external_id,
        aws_account_id=account.aws_account_id,
        role_arn=account.role_arn,
        status_reason=account.status_reason,
        last_scan_at=account.last_scan_at,
    )


def _account(item: AccountModel) -> Account:
    return Account(
        org_id=item.org_id,
        account_id=item.account_id,
        status=AccountStatus(item.status),
        created_at=item.created_at,
        external_id=item.external_id,
        aws_account_id=item.aws_account_id,
        role_arn=item.role_arn,
        status_reason=item.status_reason,
        last_scan_at=item.last_scan_at,
    )
