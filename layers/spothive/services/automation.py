"""The automation worker (WORK-OPT-01): hourly, and after discovery scans an account, start an optimization
job for each cluster as its stored policy's mode says (``off`` / ``recommend`` / ``auto``).

Orgs come from the accounts table's ``by_status`` index (active accounts), clusters from each org's
partition, a cluster's recent jobs from the jobs table's ``by_cluster`` index: keyed queries only. A
cluster whose policy was never saved is not automated (nobody has chosen a mode for it yet). One cluster's
failure never stops the others.

A job left ``running`` by a dead execution (no update for ``STALE_AFTER``) no longer blocks its cluster;
see :func:`~spothive.domain.automation.decide_start`. Jobs written before jobs were indexed by cluster
(``cluster_key``, 2026-12-02) are missing from ``by_cluster`` until their next write, which indexes them
(a keyed update in the jobs repository): a live execution writes within minutes, so it is seen again; a
finished one can only hide a preview from the fresh/interval rules, and only until its 30-day TTL. Nothing
backfills on read: finding the unindexed jobs would take a Scan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from spothive.domain.automation import RecentJob, decide_start
from spothive.domain.errors import SpotHiveError
from spothive.domain.execution import snapshot_fingerprint
from spothive.domain.inventory import StoredCluster
from spothive.domain.jobs import Job, JobStatus
from spothive.domain.tenancy import AccountStatus
from spothive.ports.clock import Clock
from spothive.ports.configuration import PolicyRepo
from spothive.ports.inventory import InventoryRepo, SnapshotStore
from spothive.ports.jobs import ClusterJobs
from spothive.ports.tenancy import TenancyRepo
from spothive.services.optimization_jobs import OptimizationJobs
from spothive.services.safe_mode import SafeModeService

LOG = logging.getLogger(__name__)
#: Jobs of a cluster looked at: more than automation starts in a day, so a fresh preview is always seen.
RECENT_JOBS = 25


@dataclass(frozen=True, slots=True)
class ClusterOutcome:
    """What automation did for one cluster, and why."""

    org_id: str
    cluster_id: str
    mode: str | None
    started: bool
    dry_run: bool
    reason: str
    job_id: str | None = None


class AutomationWorker:
    """Starts previews (``recommend``) and executions (``auto``) by each cluster's stored policy."""

    def __init__(self, tenancy: TenancyRepo, inventory: InventoryRepo, policies: PolicyRepo, jobs: ClusterJobs,
                 snapshots: SnapshotStore, safe_modes: SafeModeService, starter: OptimizationJobs,
                 clock: Clock) -> None:
        self._tenancy = tenancy
        self._inventory = inventory
        self._policies = policies
        self._jobs = jobs
        self._snapshots = snapshots
        self._safe_modes = safe_modes
        self._starter = starter
        self._clock = clock

    def run_all(self, trigger: str = "schedule") -> list[ClusterOutcome]:
        """Every cluster of every org with an active account."""
        orgs = sorted({a.org_id for a in self._tenancy.accounts_with_status(AccountStatus.ACTIVE)})
        return [o for org_id in orgs for o in self.run_org(org_id, trigger=trigger)]

    def run_org(self, org_id: str, account_id: str | None = None, trigger: str = "discovery") -> list[ClusterOutcome]:
        """The org's clusters (only those of ``account_id`` when given)."""
        clusters = [c for c in self._inventory.list_clusters(org_id) if account_id is None or c.account_id == account_id]
        return [self._cluster(c, trigger) for c in sorted(clusters, key=lambda c: c.cluster_id)]

    def _cluster(self, cluster: StoredCluster, trigger: str) -> ClusterOutcome:
        org_id, cluster_id = cluster.org_id, cluster.cluster_id
        try:
            return self._decide(cluster, trigger)
        except Exception as exc:  # one cluster never stops the pass; the next one retries it
            message = exc.message if isinstance(exc, SpotHiveError) else f"{type(exc).__name__}: {exc}"
            LOG.warning("automation of cluster %s failed: %s", cluster_id, message)
            return ClusterOutcome(org_id, cluster_id, None, False, True, f"failed: {message}")

    def _decide(self, cluster: StoredCluster, trigger: str) -> ClusterOutcome:
        org_id, cluster_id = cluster.org_id, cluster.cluster_id
        policy = self._policies.get(org_id, cluster_id)
        if policy is None:
            return ClusterOutcome(org_id, cluster_id, None, False, True,
                                  "no saved policy: choose a mode (PATCH /api/policies/automation) to automate")
        if policy.mode == "off":
            return ClusterOutcome(org_id, cluster_id, "off", False, True, "mode off: automation never plans this cluster")
        recent = [_recent(j) for j in self._jobs.recent(org_id, cluster_id, RECENT_JOBS)]
        fingerprint = snapshot_fingerprint(self._snapshots.latest(org_id, cluster_id))
        safe = self._safe_modes.effective(org_id, cluster_id).reason() if policy.mode == "auto" else None
        decision = decide_start(policy.mode, recent, fingerprint, self._clock.now(), safe, policy.updated_at)
        if not decision.start:
            return ClusterOutcome(org_id, cluster_id, policy.mode, False, decision.dry_run, decision.reason)
        automation: dict[str, Any] = {
            "mode": policy.mode, "trigger": trigger, "reason": decision.reason, "policy_version": policy.version,
            "fingerprint": fingerprint, "threshold": policy.threshold.to_dict(),
            "disruption_budget": policy.disruption_budget.to_dict(), "safe_mode": safe,
        }
        job = self._starter.start_automated(org_id, cluster_id, dry_run=decision.dry_run, automation=automation)
        LOG.info("automation started %s %s for cluster %s: %s", "preview" if decision.dry_run else "execution",
                 job.job_id, cluster_id, decision.reason)
        return ClusterOutcome(org_id, cluster_id, policy.mode, True, decision.dry_run, decision.reason, job.job_id)


def _recent(job: Job) -> RecentJob:
    """The facts the mode decision needs; the snapshot a job covered is the one automation saw at its start,
    else the one its plan was made from (a Spot-only plan: the empty snapshot's)."""
    automation = job.data.get("automation") or {}
    fingerprint = automation.get("fingerprint") or (job.data.get("detect") or {}).get("fingerprint") \
        or snapshot_fingerprint(None)
    return RecentJob(job.job_id, job.status == JobStatus.RUNNING, job.status == JobStatus.SUCCEEDED, job.dry_run,
                     str(fingerprint), job.created_at,
                     failed=job.status in (JobStatus.FAILED, JobStatus.COMPENSATED), updated_at=job.updated_at)
