"""The discovery worker (WORK-DISC-01): scan every linked account and store what changed."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from spothive.domain.audit import AuditEntry
from spothive.domain.audit_views import DISCOVERY_ACTOR, account_view
from spothive.domain.errors import SpotHiveError
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance, ScanRecord, diff_instances
from spothive.domain.tenancy import Account, AccountStatus
from spothive.ports.clock import Clock
from spothive.ports.cloud import CloudAccess, CloudSession
from spothive.ports.inventory import InventoryRepo
from spothive.ports.jobs import OptimizeTrigger
from spothive.ports.streams import ProgressPublisher
from spothive.ports.tenancy import TenancyRepo
from spothive.services.utilization import UtilizationCollector

logger = logging.getLogger(__name__)

#: Accounts the scheduled pass visits: verified ones, including those whose first scan is pending.
SCANNED_STATUSES = (AccountStatus.SCANNING, AccountStatus.ACTIVE)


@dataclass(frozen=True, slots=True)
class DiscoverySummary:
    """The outcome of one pass over many accounts."""

    scans: list[ScanRecord]

    @property
    def failed(self) -> list[ScanRecord]:
        """Scans that could not complete."""
        return [s for s in self.scans if s.status == "failed"]


class DiscoveryService:
    """Assume each account's role, list its EC2 instances and EKS clusters, and upsert the diff."""

    def __init__(
        self, tenancy: TenancyRepo, inventory: InventoryRepo, cloud: CloudAccess, clock: Clock, regions: list[str],
        utilization: UtilizationCollector | None = None,
        progress: ProgressPublisher | None = None,
        optimize: OptimizeTrigger | None = None,
    ) -> None:
        self._optimize = optimize
        self._utilization = utilization
        self._progress = progress
        self._tenancy = tenancy
        self._inventory = inventory
        self._cloud = cloud
        self._clock = clock
        self._regions = regions

    def scan_all(self) -> DiscoverySummary:
        """Scan every account that is scanning or active; one account's failure never stops the others."""
        scans: list[ScanRecord] = []
        for status in SCANNED_STATUSES:
            for account in list(self._tenancy.accounts_with_status(status)):
                scans.append(self.scan(account))
        return DiscoverySummary(scans)

    def scan_one(self, org_id: str, account_id: str) -> ScanRecord | None:
        """Scan one account of an org (used right after verification)."""
        account = self._tenancy.get_account(org_id, account_id)
        if account is None or account.status not in SCANNED_STATUSES or not account.role_arn:
            return None
        return self.scan(account)

    def scan(self, account: Account) -> ScanRecord:
        """Scan one account and record the outcome, success or failure."""
        started = self._clock.now()
        self._report(account, "scan.started", regions_total=len(self._regions), regions_scanned=0,
                     clusters_found=0, instances_found=0)
        try:
            session, instances, clusters = self._collect(account)
        except Exception as exc:  # any failure of one account is recorded, never raised
            message = exc.message if isinstance(exc, SpotHiveError) else f"{type(exc).__name__}: {exc}"
            logger.warning("discovery of %s failed: %s", account.account_id, message)
            record = ScanRecord(
                org_id=account.org_id, account_id=account.account_id, started_at=started,
                finished_at=self._clock.now(), status="failed", clusters=0, instances=0, added=0, removed=0,
                changed=0, error=message,
            )
            self._inventory.record_scan(record)
            failed = account.moved_to(AccountStatus.FAILED, message)
            self._tenancy.save_account(failed, audit=_scan_entry(account, failed, record))
            self._report(account, "scan.failed", error=message)
            return record
        record = self._store(account, instances, clusters, started)
        self._read_utilization(session, account, instances)
        active = replace(account.moved_to(AccountStatus.ACTIVE), last_scan_at=record.finished_at)
        self._tenancy.save_account(active, audit=_scan_entry(account, active, record))
        self._report(account, "scan.finished", regions_total=len(self._regions),
                     regions_scanned=len(self._regions), clusters_found=record.clusters,
                     instances_found=record.instances, added=record.added, removed=record.removed,
                     changed=record.changed)
        self._after_scan(account)
        return record

    def _after_scan(self, account: Account) -> None:
        """Let automation look at the account's clusters (WORK-OPT-01); best effort, the hourly pass remains."""
        if self._optimize is None:
            return
        try:
            self._optimize.after_scan(account.org_id, account.account_id)
        except Exception as exc:  # the scan has succeeded; automation catches up on its schedule
            logger.warning("automation after the scan of %s not started: %r", account.account_id, exc)

    def _read_utilization(self, session: CloudSession, account: Account, instances: list[DiscoveredInstance]) -> None:
        if self._utilization is None:
            return
        try:
            done = self._utilization.collect(session, account.org_id, instances,
                                             self._inventory.list_clusters(account.org_id))
        except Exception as exc:  # advisory data: the scan itself has succeeded
            message = exc.message if isinstance(exc, SpotHiveError) else f"{type(exc).__name__}: {exc}"
            logger.warning("CloudWatch utilization of %s not read: %s", account.account_id, message)
            return
        logger.info("utilization of %s: %d instances, %d samples", account.account_id, done.instances, done.samples)

    def _report(self, account: Account, type_: str, **data: object) -> None:
        """Publish progress for the live stream; a stream that is down never fails a scan."""
        if self._progress is None:
            return
        try:
            self._progress.discovery(account.org_id, type_, {"account_id": account.account_id, **data})
        except Exception as exc:  # progress is best effort, the scan record is the truth
            logger.warning("discovery progress of %s not published: %r", account.account_id, exc)

    def _collect(self, account: Account) -> tuple[CloudSession, list[DiscoveredInstance], list[DiscoveredCluster]]:
        if not account.role_arn or not account.external_id:
            raise ValueError("account has no verified role")
        session = self._cloud.assume(account.role_arn, account.external_id, f"spothive-discovery-{account.account_id}")
        instances: list[DiscoveredInstance] = []
        clusters: list[DiscoveredCluster] = []
        for done, region in enumerate(self._regions, start=1):
            instances.extend(_relabel(i, account.account_id) for i in session.instances(region))
            clusters.extend(replace(c, account_id=account.account_id) for c in session.clusters(region))
            self._report(account, "scan.region", region=region, regions_total=len(self._regions),
                         regions_scanned=done, clusters_found=len(clusters), instances_found=len(instances))
        return session, instances, clusters

    def _store(
        self, account: Account, instances: list[DiscoveredInstance], clusters: list[DiscoveredCluster], started: datetime
    ) -> ScanRecord:
        org_id, now = account.org_id, self._clock.now()
        diff = diff_instances(self._inventory.instance_states(org_id, account.account_id), instances)
        self._inventory.upsert_instances(org_id, instances, now)
        self._inventory.delete_instances(org_id, list(diff.removed))
        node_counts = Counter(i.cluster_id for i in instances if i.cluster_id and i.state == "running")
        self._inventory.upsert_clusters(org_id, clusters, {k: v for k, v in node_counts.items() if k}, now)
        found = {c.cluster_id for c in clusters}
        gone = [cid for cid in self._inventory.cluster_ids(org_id, account.account_id) if cid not in found]
        self._inventory.delete_clusters(org_id, gone)
        record = ScanRecord(
            org_id=org_id, account_id=account.account_id, started_at=started,
            finished_at=self._clock.now(), status="succeeded", clusters=len(clusters), instances=len(instances),
            added=len(diff.added), removed=len(diff.removed), changed=len(diff.changed),
        )
        self._inventory.record_scan(record)
        logger.info(
            "discovered %s: %d clusters, %d instances (+%d -%d ~%d)", account.account_id, len(clusters),
            len(instances), len(diff.added), len(diff.removed), len(diff.changed),
        )
        return record


def _scan_entry(before: Account, after: Account, scan: ScanRecord) -> AuditEntry:
    """One ledger record per scan of an account: the status move and the counts, never the instances."""
    counts = {
        "scan": scan.status, "clusters": scan.clusters, "instances": scan.instances, "added": scan.added,
        "removed": scan.removed, "changed": scan.changed,
    }
    return AuditEntry(
        DISCOVERY_ACTOR, "account.scan", "account", after.account_id,
        before=account_view(before), after={**(account_view(after) or {}), **counts}, reason=scan.error,
    )


def _relabel(instance: DiscoveredInstance, account_id: str) -> DiscoveredInstance:
    """Key instances by SpotHive's account id (the AWS account id is kept on the account)."""
    return replace(instance, account_id=account_id)
