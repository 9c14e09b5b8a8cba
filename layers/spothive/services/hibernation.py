"""Use cases of ``/api/hibernation`` and the 1-minute hibernation worker (WORK-HIB-01)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from spothive.domain import hibernation as hib
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict, NotFound, SpotHiveError
from spothive.domain.hibernation import HibernationRecord, NodegroupSize
from spothive.domain.identity import Principal
from spothive.domain.inventory import StoredCluster
from spothive.ports.clock import Clock
from spothive.ports.configuration import HibernationRepo
from spothive.ports.inventory import InventoryRepo
from spothive.ports.safety import SafeModeFlag
from spothive.ports.scaling import NodegroupScaler, ScalingAccess
from spothive.ports.tenancy import TenancyRepo

logger = logging.getLogger(__name__)
RESOURCE = "hibernation_schedule"
SYSTEM_ACTOR = "system:hibernation"
PENDING, FAILED, DRY_RUN = "pending", "failed", "dry_run"


@dataclass(frozen=True, slots=True)
class HibernationStatus:
    """A cluster's schedule (``None`` when never saved), its state now and its next transition."""

    cluster_id: str
    record: HibernationRecord | None
    awake: bool
    next_transition: hib.Transition | None


class HibernationService:
    """Schedules of the caller's clusters; every change is audited in the same transaction."""

    def __init__(self, repo: HibernationRepo, inventory: InventoryRepo, clock: Clock) -> None:
        self._repo = repo
        self._inventory = inventory
        self._clock = clock

    def save_schedule(
        self, principal: Principal, cluster_id: str, matrix: Sequence[object], timezone: str,
        prewarm: bool | None = None, enabled: bool = True,
    ) -> HibernationStatus:
        """Store (or replace) the weekly matrix and time zone; ``prewarm`` ``None`` keeps the stored value."""
        cells = hib.validate_matrix(matrix)
        hib.zone(timezone)
        self._own_cluster(principal, cluster_id)
        current = self._repo.get(principal.org_id, cluster_id)
        if current is None:
            record = HibernationRecord(principal.org_id, cluster_id, cells, timezone, bool(prewarm), enabled, 1)
        else:
            record = replace(current, matrix=cells, timezone=timezone, enabled=enabled, version=current.version + 1,
                             prewarm=current.prewarm if prewarm is None else prewarm)
        return self._store(principal, current, record, "hibernation.schedule.save")

    def set_prewarm(self, principal: Principal, cluster_id: str, enabled: bool) -> HibernationStatus:
        """Wake 30 minutes before each scheduled wake (or stop doing so)."""
        current = self._existing(principal, cluster_id)
        record = replace(current, prewarm=enabled, version=current.version + 1)
        return self._store(principal, current, record, "hibernation.prewarm.update")

    def set_timezone(self, principal: Principal, cluster_id: str, timezone: str) -> HibernationStatus:
        """Interpret the matrix in another IANA time zone."""
        hib.zone(timezone)
        current = self._existing(principal, cluster_id)
        record = replace(current, timezone=timezone, version=current.version + 1)
        return self._store(principal, current, record, "hibernation.timezone.update")

    def override(self, principal: Principal, cluster_id: str, duration_minutes: int) -> HibernationStatus:
        """Keep the cluster awake until now + ``duration_minutes``; the worker wakes it on its next tick."""
        minutes = hib.validate_override_minutes(duration_minutes)
        current = self._existing(principal, cluster_id)
        until = self._clock.now() + timedelta(minutes=minutes)
        record = replace(current, override_until=until, version=current.version + 1)
        return self._store(principal, current, record, "hibernation.override")

    def status(self, principal: Principal, cluster_id: str) -> HibernationStatus:
        """The schedule, whether the cluster should be awake now, and when that next changes."""
        self._own_cluster(principal, cluster_id)
        return self._status(cluster_id, self._repo.get(principal.org_id, cluster_id))

    def _status(self, cluster_id: str, record: HibernationRecord | None) -> HibernationStatus:
        now = self._clock.now()
        if record is None or not record.enabled:
            return HibernationStatus(cluster_id, record, True, None)
        args = (record.matrix, record.timezone, now, record.prewarm, record.override_until)
        return HibernationStatus(cluster_id, record, hib.awake_at(*args), hib.next_transition(*args))

    def _store(
        self, principal: Principal, current: HibernationRecord | None, record: HibernationRecord, action: str
    ) -> HibernationStatus:
        record = replace(record, updated_at=self._clock.now())
        entry = AuditEntry(principal.actor, action, RESOURCE, record.cluster_id,
                           current.to_doc() if current else None, record.to_doc())
        self._repo.save(record, current.version if current else 0, entry)
        return self._status(record.cluster_id, record)

    def _existing(self, principal: Principal, cluster_id: str) -> HibernationRecord:
        self._own_cluster(principal, cluster_id)
        record = self._repo.get(principal.org_id, cluster_id)
        if record is None:
            raise NotFound(f"cluster {cluster_id} has no hibernation schedule; POST /api/hibernation/schedule first",
                           field="cluster_id")
        return record

    def _own_cluster(self, principal: Principal, cluster_id: str) -> StoredCluster:
        cluster = self._inventory.get_cluster(principal.org_id, cluster_id)
        if cluster is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        return cluster


@dataclass(slots=True)
class TickSummary:
    """What one worker pass did."""

    evaluated: int = 0
    transitions: list[str] = field(default_factory=list)  # "org/cluster:asleep"
    dry_runs: int = 0
    failures: list[str] = field(default_factory=list)


class HibernationWorker:
    """Each minute: for every enabled schedule decide awake/asleep now and scale node groups on a change.

    A transition is first recorded (desired state, the node group sizes to restore, audit record) with a
    condition on the previous state, so overlapping runs act once; then the node groups are scaled and
    the outcome stored. A failed or interrupted scaling is retried on the next tick. With SAFE_MODE on,
    the transition is audited as a dry run and AWS is not called.
    """

    def __init__(
        self, repo: HibernationRepo, inventory: InventoryRepo, tenancy: TenancyRepo, cloud: ScalingAccess,
        safe_mode: SafeModeFlag, clock: Clock,
    ) -> None:
        self._repo = repo
        self._inventory = inventory
        self._tenancy = tenancy
        self._cloud = cloud
        self._safe_mode = safe_mode
        self._clock = clock

    def tick(self) -> TickSummary:
        """One pass over every enabled schedule; one cluster's failure never stops the others."""
        now, safe = self._clock.now(), self._safe_mode.is_on()
        summary = TickSummary()
        for record in self._repo.enabled():
            summary.evaluated += 1
            key = f"{record.org_id}/{record.cluster_id}"
            try:
                outcome = self.reconcile(record, now, safe)
            except Exception as exc:  # recorded and retried next tick
                logger.exception("hibernation of %s failed", key)
                summary.failures.append(f"{key}: {exc}")
                continue
            if outcome is not None:
                summary.transitions.append(f"{key}:{outcome}")
                if outcome == DRY_RUN:
                    summary.dry_runs += 1
                if outcome == FAILED:
                    summary.failures.append(key)
        return summary

    def reconcile(self, record: HibernationRecord, now: datetime, safe: bool) -> str | None:
        """Act on one schedule; the applied outcome when something was done, ``None`` when in step."""
        desired = hib.AWAKE if hib.awake_at(
            record.matrix, record.timezone, now, record.prewarm, record.override_until) else hib.ASLEEP
        previous = record.desired_state or hib.AWAKE  # a cluster is running when its schedule is first saved
        if desired == previous and record.applied_state not in (PENDING, FAILED):
            return None
        cluster = self._inventory.get_cluster(record.org_id, record.cluster_id)
        if cluster is None:
            return None  # gone from discovery: nothing to scale
        sizes = record.saved_sizes
        if desired != previous:
            scaler = None if safe else self._scaler(cluster)
            if desired == hib.ASLEEP and scaler is not None:
                sizes = {n: s for n, s in scaler.nodegroup_sizes(cluster.region, cluster.name).items()
                         if n in cluster.nodegroups or not cluster.nodegroups}
            entry = _transition_entry(record, cluster, desired, sizes, safe, now)
            record = self._record(record, desired, DRY_RUN if safe else PENDING, sizes, now, entry)
            if safe:
                return DRY_RUN
        elif safe:
            return None
        else:
            scaler = self._scaler(cluster)
        try:
            _apply(scaler, cluster, desired, sizes)
        except Exception as exc:
            message = exc.message if isinstance(exc, SpotHiveError) else f"{type(exc).__name__}: {exc}"
            entry = AuditEntry(SYSTEM_ACTOR, f"hibernation.{_verb(desired)}.failed", RESOURCE, record.cluster_id,
                               None, {"state": desired}, reason=message)
            self._record(record, desired, FAILED, sizes, now, entry)
            return FAILED
        self._record(record, desired, desired, sizes, now, None)
        return desired

    def _record(
        self, record: HibernationRecord, desired: str, applied: str, sizes: dict[str, NodegroupSize],
        now: datetime, entry: AuditEntry | None,
    ) -> HibernationRecord:
        try:
            self._repo.record_state(record, desired, applied, sizes, now, entry)
        except Conflict:
            raise Conflict(f"hibernation state of {record.cluster_id} changed meanwhile; next tick retries") from None
        return replace(record, desired_state=desired, applied_state=applied, saved_sizes=sizes, state_changed_at=now)

    def _scaler(self, cluster: StoredCluster) -> NodegroupScaler:
        account = self._tenancy.get_account(cluster.org_id, cluster.account_id)
        if account is None or not account.role_arn or not account.external_id:
            raise NotFound(f"account {cluster.account_id} of cluster {cluster.cluster_id} has no verified role")
        return self._cloud.assume(account.role_arn, account.external_id, f"spothive-hibernation-{cluster.name}")


def _verb(state: str) -> str:
    return "sleep" if state == hib.ASLEEP else "wake"


def _transition_entry(
    record: HibernationRecord, cluster: StoredCluster, desired: str, sizes: dict[str, NodegroupSize], safe: bool,
    now: datetime,
) -> AuditEntry:
    after = {
        "state": desired, "dry_run": safe, "cluster": cluster.name, "region": cluster.region,
        "nodegroups": {n: {"min": s.min_size, "max": s.max_size, "desired": s.desired_size}
                       for n, s in sorted(sizes.items())},
    }
    reason = "SAFE_MODE is on: logged only, no AWS call" if safe else (
        "manual wake override" if record.override_until and record.override_until > now else "weekly schedule")
    before = {"state": record.desired_state or hib.AWAKE}
    return AuditEntry(SYSTEM_ACTOR, f"hibernation.{_verb(desired)}", RESOURCE, record.cluster_id, before, after,
                      reason=reason)


def _apply(scaler: NodegroupScaler | None, cluster: StoredCluster, desired: str,
           sizes: dict[str, NodegroupSize]) -> None:
    if scaler is None:
        return
    for name, size in sorted(sizes.items()):
        target = NodegroupSize(0, max(size.max_size, 1), 0) if desired == hib.ASLEEP else size
        scaler.scale_nodegroup(cluster.region, cluster.name, name, target)
