"""Linking a customer AWS account: External ID, CloudFormation link, role verification."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from spothive.domain.audit import AuditEntry
from spothive.domain.audit_views import account_view
from spothive.domain.errors import Conflict, DependencyFailed, NotFound
from spothive.domain.identity import Principal
from spothive.domain.tenancy import Account, AccountStatus, parse_role_arn
from spothive.ports.clock import Clock
from spothive.ports.cloud import CloudAccess
from spothive.ports.inventory import DiscoveryTrigger
from spothive.ports.tenancy import TenancyRepo


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """Where the customer template lives and which hub account its role must trust."""

    hub_account_id: str
    template_url: str
    role_name: str
    region: str
    probe_region: str


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What the customer needs to create the role."""

    account_id: str
    external_id: str
    cloudformation_url: str
    template_url: str
    role_name: str


class ConnectService:
    """Use cases of ``/api/connect``."""

    def __init__(
        self, repo: TenancyRepo, cloud: CloudAccess, discovery: DiscoveryTrigger, clock: Clock, config: LinkConfig
    ) -> None:
        self._repo = repo
        self._cloud = cloud
        self._discovery = discovery
        self._clock = clock
        self._config = config

    def link(self, principal: Principal) -> LinkResult:
        """Issue a fresh External ID on the org's unlinked account (or a new account) and the stack URL."""
        accounts = self._repo.list_accounts(principal.org_id)
        placeholder = next((a for a in accounts if a.status == AccountStatus.PENDING and not a.role_arn), None)
        previous = placeholder
        external_id = str(uuid.uuid4())
        if placeholder is None:
            placeholder = Account(
                org_id=principal.org_id, account_id=f"acct-{uuid.uuid4().hex[:12]}",
                status=AccountStatus.PENDING, created_at=self._clock.now(),
            )
        account = Account(
            org_id=placeholder.org_id, account_id=placeholder.account_id, status=AccountStatus.PENDING,
            created_at=placeholder.created_at, external_id=external_id,
        )
        entry = AuditEntry(
            principal.actor, "account.link", "account", account.account_id,
            before=account_view(previous), after=account_view(account),
        )
        self._repo.save_account(account, expected_status=previous.status if previous else None, audit=entry)
        return LinkResult(
            account_id=account.account_id,
            external_id=external_id,
            cloudformation_url=self._quick_create_url(external_id),
            template_url=self._config.template_url,
            role_name=self._config.role_name,
        )

    def accounts(self, principal: Principal) -> list[Account]:
        """The caller's linked accounts."""
        return self._repo.list_accounts(principal.org_id)

    def verify(self, principal: Principal, account_id: str, role_arn: str) -> Account:
        """Assume the role with the account's External ID, probe permissions, then start scanning."""
        aws_account_id = parse_role_arn(role_arn)
        account = self._repo.get_account(principal.org_id, account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found", field="account_id")
        if not account.external_id:
            raise Conflict("call /api/connect/link first: the account has no External ID", field="account_id")
        try:
            session = self._cloud.assume(role_arn, account.external_id, f"spothive-verify-{account_id}")
            denied = session.probe(self._config.probe_region)
        except DependencyFailed as exc:
            self._fail(principal, account, role_arn, aws_account_id, exc.message)
            raise
        if denied:
            reason = "the role lacks permissions: " + ", ".join(sorted(denied))
            self._fail(principal, account, role_arn, aws_account_id, reason)
            raise DependencyFailed(reason, field="role_arn")
        scanning = _with_role(account, role_arn, aws_account_id).moved_to(AccountStatus.SCANNING)
        entry = _verify_entry(principal, account, scanning)
        self._repo.save_account(scanning, expected_status=account.status, audit=entry)
        self._discovery.scan_account(principal.org_id, account_id)
        return self._repo.get_account(principal.org_id, account_id) or scanning

    def _fail(self, principal: Principal, account: Account, role_arn: str, aws_account_id: str, reason: str) -> None:
        failed = _with_role(account, role_arn, aws_account_id).moved_to(AccountStatus.FAILED, reason)
        self._repo.save_account(failed, audit=_verify_entry(principal, account, failed, reason))

    def _quick_create_url(self, external_id: str) -> str:
        params = urlencode(
            {
                "templateURL": self._config.template_url,
                "stackName": "SpotHiveAccess",
                "param_ExternalId": external_id,
                "param_HubAccountId": self._config.hub_account_id,
                "param_RoleName": self._config.role_name,
            }
        )
        return (
            f"https://console.aws.amazon.com/cloudformation/home?region={self._config.region}"
            f"#/stacks/quickcreate?{params}"
        )


def _verify_entry(principal: Principal, before: Account, after: Account, reason: str | None = None) -> AuditEntry:
    return AuditEntry(
        principal.actor, "account.verify", "account", before.account_id,
        before=account_view(before), after=account_view(after), reason=reason,
    )


def _with_role(account: Account, role_arn: str, aws_account_id: str) -> Account:
    return Account(
        org_id=account.org_id, account_id=account.account_id, status=account.status,
        created_at=account.created_at, external_id=account.external_id, aws_account_id=aws_account_id,
        role_arn=role_arn, status_reason=account.status_reason, last_scan_at=account.last_scan_at,
    )
