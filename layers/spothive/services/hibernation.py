"""Use cases of ``/api/hibernation`` and the 1-minute hibernation worker (WORK-HIB-01)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from spothive.domain import hibernation as hib
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict, NotFound, SpotHiveError
from spothive.domain.hibernation import HibernationRecord
from spothive.domain.hibernation_targets import InstanceGroup, SavedCapacity, TargetKind, is_group_id, target_kind
from spothive.domain.identity import Principal
from spothive.domain.inventory import StoredCluster
from spothive.ports.clock import Clock
from spothive.ports.configuration import HibernationRepo
from spothive.ports.inventory import InventoryRepo
from spothive.ports.safety import SafeModeFlag
from spothive.ports.scaling import FleetScaler, ScalingAccess
from spothive.ports.tenancy import TenancyRepo
from spothive.services import hibernation_fleet as fleet
from spothive.services.hibernation_karpenter import KarpenterHibernation
from spothive.services.safe_mode import SafeModeService

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


@dataclass(frozen=True, slots=True)
class HibernationTargets:
    """Everything an org can put on a schedule."""

    clusters: list[StoredCluster]
    groups: list[InstanceGroup]


class HibernationService:
    """Schedules of the caller's clusters; every change is audited in the same transaction."""

    def __init__(self, repo: HibernationRepo, inventory: InventoryRepo, clock: Clock) -> None:
        self._repo = repo
        self._inventory = inventory
        self._clock = clock

    def save_schedule(
        self, principal: Principal, cluster_id: str, matrix: Sequence[object], timezone: str,
        prewarm: bool | None = None, enabled: bool = True, target: str | None = None, hibernate: bool | None = None,
    ) -> HibernationStatus:
        """Store (or replace) the weekly matrix and time zone; ``None`` keeps a stored setting (or its default).

        ``target`` picks how a cluster sleeps (``eks-nodegroup``, ``asg`` or ``karpenter``); an instance group (``g-…``)
        always sleeps as ``ec2``. The kind cannot change while the target sleeps: what a wake restores was
        captured by the kind that slept it.
        """
        cells = hib.validate_matrix(matrix)
        hib.zone(timezone)
        self._own_target(principal, cluster_id)
        current = self._repo.get(principal.org_id, cluster_id)
        default = TargetKind.EC2.value if is_group_id(cluster_id) else TargetKind.NODEGROUP.value
        kind = target_kind(target or (current.target if current else default), cluster_id).value
        if current is not None and kind != current.target and (
                (current.desired_state or hib.AWAKE) != hib.AWAKE or current.applied_state in (PENDING, FAILED)):
            # a wake still in flight or failed is finished only by the kind that slept the target
            raise Conflict(f"{cluster_id} sleeps as {current.target} (or is not fully awake yet); wake it before "
                           "changing its target", field="target")
        if current is None:
            record = HibernationRecord(principal.org_id, cluster_id, cells, timezone, bool(prewarm), enabled, 1,
                                       target=kind, hibernate=bool(hibernate))
        else:
            record = replace(current, matrix=cells, timezone=timezone, enabled=enabled, version=current.version + 1,
                             prewarm=current.prewarm if prewarm is None else prewarm, target=kind,
                             hibernate=current.hibernate if hibernate is None else hibernate)
        return self._store(principal, current, record, "hibernation.schedule.save")

    def targets(self, principal: Principal) -> HibernationTargets:
        """What the caller can schedule: its clusters and its tagged stand-alone instance groups."""
        return HibernationTargets(sorted(self._inventory.list_clusters(principal.org_id), key=lambda c: c.name),
                                  fleet.org_groups(self._inventory.list_instances(principal.org_id)))

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
        self._own_target(principal, cluster_id)
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
        self._own_target(principal, cluster_id)
        record = self._repo.get(principal.org_id, cluster_id)
        if record is None:
            raise NotFound(f"cluster {cluster_id} has no hibernation schedule; POST /api/hibernation/schedule first",
                           field="cluster_id")
        return record

    def _own_target(self, principal: Principal, target_id: str) -> None:
        if is_group_id(target_id):
            if fleet.find_group(self._inventory, principal.org_id, target_id) is None:
                raise NotFound(f"instance group {target_id} not found", field="cluster_id")
            return
        if self._inventory.get_cluster(principal.org_id, target_id) is None:
            raise NotFound(f"cluster {target_id} not found", field="cluster_id")


@dataclass(slots=True)
class TickSummary:
    """What one worker pass did."""

    evaluated: int = 0
    transitions: list[str] = field(default_factory=list)  # "org/cluster:asleep"
    dry_runs: int = 0
    failures: list[str] = field(default_factory=list)


class HibernationWorker:
    """Each minute: for every enabled schedule decide awake/asleep now and scale node groups on a change
    (a Karpenter cluster's change is an agent action instead: ``hibernation_karpenter``).

    A transition is first recorded (desired state, the node group sizes to restore, audit record) with a
    condition on the previous state, so overlapping runs act once; then the node groups are scaled and
    the outcome stored. A failed or interrupted scaling is retried on the next tick. With SAFE_MODE on,
    the transition is audited as a dry run and AWS is not called. Given ``safe_modes`` the global, tenant
    and cluster levels are read per schedule (any level on, or unreadable, counts); else the global flag.
    """

    def __init__(
        self, repo: HibernationRepo, inventory: InventoryRepo, tenancy: TenancyRepo, cloud: ScalingAccess,
        safe_mode: SafeModeFlag, clock: Clock, karpenter: KarpenterHibernation | None = None, *,
        safe_modes: SafeModeService | None = None,
    ) -> None:
        self._safe_modes = safe_modes
        self._repo = repo
        self._inventory = inventory
        self._tenancy = tenancy
        self._cloud = cloud
        self._safe_mode = safe_mode
        self._clock = clock
        self._karpenter = karpenter

    def tick(self) -> TickSummary:
        """One pass over every enabled schedule; one cluster's failure never stops the others."""
        now = self._clock.now()
        global_on = self._safe_modes is None and self._safe_mode.is_on()
        summary = TickSummary()
        for record in self._repo.enabled():
            summary.evaluated += 1
            key = f"{record.org_id}/{record.cluster_id}"
            try:
                why = None if self._safe_modes is None else (
                    self._safe_modes.effective(record.org_id, record.cluster_id).reason())
                outcome = self.reconcile(record, now, global_on or why is not None, why)
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

    def reconcile(self, record: HibernationRecord, now: datetime, safe: bool, why: str | None = None) -> str | None:
        """Act on one schedule (``why``: which SAFE_MODE level made it a dry run); the applied outcome when
        something was done, ``None`` when in step."""
        desired = hib.AWAKE if hib.awake_at(
            record.matrix, record.timezone, now, record.prewarm, record.override_until) else hib.ASLEEP
        previous = record.desired_state or hib.AWAKE  # a target is running when its schedule is first saved
        if desired == previous and record.applied_state not in (PENDING, FAILED):
            return None
        target = fleet.resolve(self._inventory, record.org_id, record.cluster_id, TargetKind(record.target))
        if target is None:
            return None  # gone from discovery: nothing to scale
        saved = _saved(record)
        if target.kind is TargetKind.KARPENTER:
            return self._karpenter_step(record, target, desired, previous, safe, now, why)
        recapture = not safe and desired == hib.ASLEEP and record.applied_state == FAILED and saved.is_empty()
        if desired != previous or recapture:
            # a new transition, or a sleep whose capture itself failed: capture what runs now
            scaler = None if safe else self._scaler(target)
            if desired == hib.ASLEEP and scaler is not None:
                try:
                    saved = fleet.capture(scaler, target)
                except Exception as exc:  # nothing was changed: record why (the API shows it), retry next tick
                    return self._failed(record, desired, saved, now, exc)
            if desired == previous:
                record = self._record(record, desired, PENDING, saved, now, None, error=record.last_error)
                return self._apply(record, target, desired, saved, scaler, now)
            entry = _transition_entry(record, target, desired, saved, safe, now, why)
            record = self._record(record, desired, DRY_RUN if safe else PENDING, saved, now, entry)
            if safe:
                return DRY_RUN
        elif safe:
            return None
        else:
            scaler = self._scaler(target)
        return self._apply(record, target, desired, saved, scaler, now)

    def _apply(
        self, record: HibernationRecord, target: fleet.FleetTarget, desired: str, saved: SavedCapacity,
        scaler: FleetScaler | None, now: datetime,
    ) -> str:
        try:
            if scaler is not None and desired == hib.ASLEEP:
                fleet.sleep(scaler, target, saved, record.hibernate)
            elif scaler is not None:
                fleet.wake(scaler, target, saved)
        except Exception as exc:
            return self._failed(record, desired, saved, now, exc)
        self._record(record, desired, desired, saved, now, None, error=None)
        return desired

    def _failed(self, record: HibernationRecord, desired: str, saved: SavedCapacity, now: datetime,
                exc: Exception) -> str:
        message = exc.message if isinstance(exc, SpotHiveError) else f"{type(exc).__name__}: {exc}"
        after = {"state": desired, "left": hib.AWAKE if desired == hib.ASLEEP else "partly awake"}
        entry = AuditEntry(SYSTEM_ACTOR, f"hibernation.{_verb(desired)}.failed", RESOURCE, record.cluster_id,
                           None, after, reason=message)
        self._record(record, desired, FAILED, saved, now, entry, error=message)
        return FAILED

    def _karpenter_step(self, record: HibernationRecord, target: fleet.FleetTarget, desired: str, previous: str,
                        safe: bool, now: datetime, why: str | None = None) -> str | None:
        if self._karpenter is None:
            raise NotFound(f"{record.cluster_id} sleeps through Karpenter but this worker has no agent channel")
        if desired != previous:
            entry = _transition_entry(record, target, desired, _saved(record), safe, now, why)
            return self._karpenter.transition(record, desired, safe, now, entry, self._record)
        return self._karpenter.follow_up(record, desired, safe, now, self._record)

    def _record(
        self, record: HibernationRecord, desired: str, applied: str, saved: SavedCapacity,
        now: datetime, entry: AuditEntry | None, *, action_id: str | None = None, error: str | None = None,
    ) -> HibernationRecord:
        groups, processes = dict(saved.groups), {n: tuple(p) for n, p in saved.suspended.items()}
        limits = {n: dict(v) for n, v in saved.limits.items()}
        try:
            self._repo.record_state(record, desired, applied, groups, now, entry,
                                    processes=processes, instances=saved.instances, limits=limits,
                                    action_id=action_id, error=error)
        except Conflict:
            raise Conflict(f"hibernation state of {record.cluster_id} changed meanwhile; next tick retries") from None
        return replace(record, desired_state=desired, applied_state=applied, saved_sizes=groups,
                       saved_processes=processes, saved_instances=saved.instances, state_changed_at=now,
                       saved_limits=limits, action_id=action_id, last_error=error)

    def _scaler(self, target: fleet.FleetTarget) -> FleetScaler:
        account = self._tenancy.get_account(target.org_id, target.account_id)
        if account is None or not account.role_arn or not account.external_id:
            raise NotFound(f"account {target.account_id} of {target.target_id} has no verified role")
        return self._cloud.assume(account.role_arn, account.external_id, f"spothive-hibernation-{target.name}")


def _saved(record: HibernationRecord) -> SavedCapacity:
    return SavedCapacity(dict(record.saved_sizes), dict(record.saved_processes), tuple(record.saved_instances),
                         {n: dict(v) for n, v in record.saved_limits.items()})


def _verb(state: str) -> str:
    return "sleep" if state == hib.ASLEEP else "wake"


def _transition_entry(
    record: HibernationRecord, target: fleet.FleetTarget, desired: str, saved: SavedCapacity, safe: bool,
    now: datetime, why: str | None = None,
) -> AuditEntry:
    doc = saved.as_doc()
    after: dict[str, object] = {
        "state": desired, "dry_run": safe, "target": target.kind.value, "cluster": target.name,
        "region": target.region or ",".join(target.regions),
    }
    if target.kind is TargetKind.NODEGROUP:
        after["nodegroups"] = doc["groups"]
    elif target.kind is TargetKind.ASG:
        after.update(asgs=doc["groups"], suspended_processes=doc["suspended_processes"])
    elif target.kind is TargetKind.KARPENTER:
        # a sleep learns the limits from the agent's report (audited as hibernation.sleep.done)
        after.update(nodepools="app.kubernetes.io/managed-by=spothive",
                     nodepool_limits=doc["nodepool_limits"] if desired == hib.AWAKE else None)
    else:
        after.update(instances=doc["instances"], hibernate=record.hibernate)
    on = f"SAFE_MODE is on ({why})" if why else "SAFE_MODE is on"
    unsafe = "no agent action" if target.kind is TargetKind.KARPENTER else "no AWS call"
    reason = f"{on}: logged only, {unsafe}" if safe else (
        "manual wake override" if record.override_until and record.override_until > now else "weekly schedule")
    before = {"state": record.desired_state or hib.AWAKE}
    return AuditEntry(SYSTEM_ACTOR, f"hibernation.{_verb(desired)}", RESOURCE, record.cluster_id, before, after,
                      reason=reason)
