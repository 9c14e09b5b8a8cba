"""The ports services depend on: Protocols that adapters (AWS, DynamoDB, Redis, memory) implement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from spothive.domain.audit import AuditEntry, AuditRecord, ChainHead
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance
from spothive.domain.tenancy import Account, AccountStatus, Org, Role, User


class Clock(Protocol):
    """Injected time, so that tests pin it."""

    def now(self) -> datetime: ...


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


class IdentityProvider(Protocol):
    """The user directory (Amazon Cognito)."""

    def create_user(self, email: str, password: str, *, org_id: str, role: Role) -> str:
        """Create the directory user and return its immutable subject (Cognito ``sub``); ``Conflict`` when
        the e-mail is taken."""
        ...

    def delete_user(self, email: str) -> None: ...

    def authenticate(self, email: str, password: str) -> TokenSet: ...


class TokenVerifier(Protocol):
    """Checks a bearer token's signature, issuer, audience and expiry."""

    def verify(self, token: str) -> Claims: ...


class TokenDenyList(Protocol):
    """Revoked tokens, remembered until they would have expired anyway."""

    def revoke(self, token_id: str, until: datetime) -> None: ...

    def is_revoked(self, token_id: str) -> bool: ...


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


@dataclass(frozen=True, slots=True)
class StoredCluster:
    """A cluster as SpotHive keeps it."""

    org_id: str
    cluster_id: str
    account_id: str
    name: str
    region: str
    arn: str
    version: str
    status: str
    nodegroups: tuple[str, ...]
    node_count: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class StoredInstance:
    """An instance as SpotHive keeps it."""

    org_id: str
    instance: DiscoveredInstance
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One discovery pass over one account."""

    org_id: str
    account_id: str
    started_at: datetime
    finished_at: datetime
    status: str  # "succeeded" | "failed"
    clusters: int
    instances: int
    added: int
    removed: int
    changed: int
    error: str | None = None


class InventoryRepo(Protocol):
    """Clusters, instances and scan records."""

    def instance_states(self, org_id: str, account_id: str) -> dict[str, tuple[str, str, str]]: ...

    def upsert_instances(self, org_id: str, instances: Sequence[DiscoveredInstance], seen_at: datetime) -> None: ...

    def delete_instances(self, org_id: str, instance_keys: Sequence[str]) -> None: ...

    def upsert_clusters(
        self, org_id: str, clusters: Sequence[DiscoveredCluster], node_counts: dict[str, int], seen_at: datetime
    ) -> None: ...

    def cluster_ids(self, org_id: str, account_id: str) -> list[str]: ...

    def delete_clusters(self, org_id: str, cluster_ids: Sequence[str]) -> None: ...

    def list_clusters(self, org_id: str) -> list[StoredCluster]: ...

    def get_cluster(self, org_id: str, cluster_id: str) -> StoredCluster | None: ...

    def list_instances(self, org_id: str, cluster_id: str | None = None) -> list[StoredInstance]: ...

    def record_scan(self, scan: ScanRecord) -> None: ...

    def last_scan(self, account_id: str) -> ScanRecord | None: ...


class CloudSession(Protocol):
    """Credentials for one customer account: the inventory it can see."""

    def instances(self, region: str) -> Iterable[DiscoveredInstance]: ...

    def clusters(self, region: str) -> Iterable[DiscoveredCluster]: ...

    def probe(self, region: str) -> list[str]:
        """Call each read the product needs; return the actions that were denied."""
        ...


class CloudAccess(Protocol):
    """Reaches customer accounts through their cross-account role."""

    def assume(self, role_arn: str, external_id: str, session_name: str) -> CloudSession: ...


class DiscoveryTrigger(Protocol):
    """Starts discovery of one account without waiting for it."""

    def scan_account(self, org_id: str, account_id: str) -> None: ...


class AuditLedger(Protocol):
    """The tenant's append-only, hash-chained audit ledger (reads; appends without a business change)."""

    def write(self, org_id: str, entry: AuditEntry) -> AuditRecord:
        """Append a record on its own (for changes that live outside the database, e.g. a revoked token)."""
        ...

    def head(self, org_id: str) -> ChainHead: ...

    def records(
        self, org_id: str, *, after_seq: int = 0, before_seq: int | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[AuditRecord]:
        """Records with ``after_seq < seq < before_seq`` in ``seq`` order (a Query on the tenant's partition)."""
        ...

    def get(self, org_id: str, seq: int) -> AuditRecord | None: ...


@dataclass(frozen=True, slots=True)
class ExportLocation:
    """Where a stored export can be downloaded, and for how long (``None``: no expiry)."""

    url: str
    expires_in: int | None


class ExportSink(Protocol):
    """Stores export files: an S3 bucket on AWS, the data directory locally."""

    def put(self, key: str, body: bytes, content_type: str) -> ExportLocation: ...


class SafeModeFlag(Protocol):
    """The SAFE_MODE switch: while on, every mutating action is an audited dry run.

    It fails safe: when the switch cannot be read, it counts as on.
    """

    def is_on(self) -> bool: ...
