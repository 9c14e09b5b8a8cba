"""Hibernation schedules in DynamoDB, with the sparse ``by_enabled`` index the worker Queries.

While a schedule is enabled its item carries ``enabled_shard`` (``"0"`` … ``"7"``, a stable hash of the
cluster) and ``schedule_key`` (``org_id#cluster_id``); a disabled schedule has neither, so it is absent
from the index. The worker Queries the eight shards; nothing Scans.

Every write is a full put conditioned on ``rev``, which each write (user or worker) increases, so a user
change and a worker transition never overwrite each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import models, schema
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.hibernation import HibernationRecord, NodegroupSize

SHARDS = 8


class SchedulesByEnabled(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "by_enabled"
        projection = AllProjection()

    enabled_shard = UnicodeAttribute(hash_key=True)
    schedule_key = UnicodeAttribute(range_key=True)


class HibernationModel(Model):
    class Meta:
        table_name = "hibernation-schedules"

    org_id = UnicodeAttribute(hash_key=True)
    cluster_id = UnicodeAttribute(range_key=True)
    matrix = UnicodeAttribute()  # 168 characters of 0/1, Monday 00:00 first
    timezone = UnicodeAttribute()
    prewarm = BooleanAttribute(default=False)
    enabled = BooleanAttribute(default=True)
    version = NumberAttribute()
    rev = NumberAttribute()
    override_until = UTCDateTimeAttribute(null=True)
    desired_state = UnicodeAttribute(null=True)
    applied_state = UnicodeAttribute(null=True)
    saved_sizes = MapAttribute[str, Any](null=True)
    state_changed_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    target = UnicodeAttribute(null=True)  # absent on schedules stored before kinds: eks-nodegroup
    hibernate = BooleanAttribute(null=True)
    saved_processes = MapAttribute[str, Any](null=True)  # ASG → [process, ...] SpotHive suspended
    saved_instances = ListAttribute[str](of=UnicodeAttribute, null=True)  # "region/instance-id"
    saved_limits = MapAttribute[str, Any](null=True)  # Karpenter NodePool → {resource: quantity}
    action_id = UnicodeAttribute(null=True)  # the agent action a Karpenter transition waits for
    last_error = UnicodeAttribute(null=True)
    enabled_shard = UnicodeAttribute(null=True)
    schedule_key = UnicodeAttribute(null=True)
    by_enabled = SchedulesByEnabled()


models.register(HibernationModel, schema.HIBERNATION)


def shard_of(org_id: str, cluster_id: str) -> str:
    """The stable index shard of a cluster."""
    return str(int(hashlib.sha256(f"{org_id}#{cluster_id}".encode()).hexdigest()[:8], 16) % SHARDS)


class DynamoHibernationRepo:
    """``HibernationRepo`` on the hibernation-schedules table."""

    def __init__(self, audit: AuditStore) -> None:
        self._audit = audit

    def get(self, org_id: str, cluster_id: str) -> HibernationRecord | None:
        item = self._item(org_id, cluster_id)
        return to_record(item) if item else None

    def save(self, record: HibernationRecord, expected_version: int, entry: AuditEntry) -> None:
        stored = self._item(record.org_id, record.cluster_id)
        if (stored.version if stored else 0) != expected_version:
            raise Conflict("the schedule changed meanwhile; reload and retry", field="cluster_id")
        rev = int(stored.rev) if stored else 0
        base = to_record(stored) if stored else record
        merged = replace(  # the user's settings over the worker's last state
            record, desired_state=base.desired_state, applied_state=base.applied_state, saved_sizes=base.saved_sizes,
            saved_processes=base.saved_processes, saved_instances=base.saved_instances,
            state_changed_at=base.state_changed_at, saved_limits=base.saved_limits, action_id=base.action_id,
            last_error=base.last_error,
        )

        def build(txn: TransactWrite) -> None:
            txn.save(to_item(merged, rev + 1), condition=_at_rev(rev))

        self._audit.write(record.org_id, entry, build)

    def enabled(self) -> Iterator[HibernationRecord]:
        for shard in range(SHARDS):
            for item in HibernationModel.by_enabled.query(str(shard)):
                yield to_record(item)

    def record_state(
        self, record: HibernationRecord, desired: str, applied: str, sizes: dict[str, NodegroupSize],
        at: datetime, entry: AuditEntry | None, *, processes: dict[str, tuple[str, ...]] | None = None,
        instances: tuple[str, ...] = (), limits: dict[str, dict[str, str | int | float]] | None = None,
        action_id: str | None = None, error: str | None = None,
    ) -> None:
        stored = self._item(record.org_id, record.cluster_id)
        if stored is None or stored.desired_state != record.desired_state or stored.applied_state != record.applied_state:
            raise Conflict("the hibernation state changed meanwhile", field="cluster_id")
        rev = int(stored.rev)
        current = to_record(stored)
        merged = replace(current, desired_state=desired, applied_state=applied, saved_sizes=sizes,
                         saved_processes=dict(processes or {}), saved_instances=tuple(instances), state_changed_at=at,
                         saved_limits={n: dict(v) for n, v in (limits or {}).items()}, action_id=action_id,
                         last_error=error)
        item = to_item(merged, rev + 1)
        if entry is None:
            try:
                item.save(condition=_at_rev(rev))
            except PutError as exc:
                if exc.cause_response_code == "ConditionalCheckFailedException":
                    raise Conflict("the hibernation state changed meanwhile", field="cluster_id") from exc
                raise
            return

        def build(txn: TransactWrite) -> None:
            txn.save(item, condition=_at_rev(rev))

        self._audit.write(record.org_id, entry, build)

    @staticmethod
    def _item(org_id: str, cluster_id: str) -> HibernationModel | None:
        try:
            return HibernationModel.get(org_id, cluster_id, consistent_read=True)
        except HibernationModel.DoesNotExist:
            return None


def _at_rev(rev: int):  # type: ignore[no-untyped-def]
    return HibernationModel.rev.does_not_exist() if rev == 0 else HibernationModel.rev == rev


def to_item(record: HibernationRecord, rev: int) -> HibernationModel:
    """The stored form; the index keys are set only while the schedule is enabled."""
    return HibernationModel(
        record.org_id, record.cluster_id, matrix="".join(str(v) for v in record.matrix), timezone=record.timezone,
        prewarm=record.prewarm, enabled=record.enabled, version=record.version, rev=rev,
        override_until=record.override_until, desired_state=record.desired_state,
        applied_state=record.applied_state,
        saved_sizes={n: {"min": s.min_size, "max": s.max_size, "desired": s.desired_size}
                     for n, s in record.saved_sizes.items()} or None,
        state_changed_at=record.state_changed_at, updated_at=record.updated_at,
        target=record.target, hibernate=record.hibernate,
        saved_processes={n: list(p) for n, p in record.saved_processes.items() if p} or None,
        saved_instances=list(record.saved_instances) or None,
        # a NodePool saved without limits keeps its key (an empty map: restore to "no limits")
        saved_limits={n: dict(v) for n, v in record.saved_limits.items()} or None,
        action_id=record.action_id, last_error=record.last_error,
        enabled_shard=shard_of(record.org_id, record.cluster_id) if record.enabled else None,
        schedule_key=f"{record.org_id}#{record.cluster_id}" if record.enabled else None,
    )


def to_record(item: HibernationModel) -> HibernationRecord:
    """A schedule read back."""
    raw = item.saved_sizes.as_dict() if item.saved_sizes else {}
    sizes = {n: NodegroupSize(int(v["min"]), int(v["max"]), int(v["desired"])) for n, v in raw.items()}
    return HibernationRecord(
        org_id=item.org_id, cluster_id=item.cluster_id, matrix=tuple(int(c) for c in item.matrix),
        timezone=item.timezone, prewarm=bool(item.prewarm), enabled=bool(item.enabled), version=int(item.version),
        override_until=item.override_until, desired_state=item.desired_state, applied_state=item.applied_state,
        saved_sizes=sizes, state_changed_at=item.state_changed_at, updated_at=item.updated_at,
        target=item.target or "eks-nodegroup", hibernate=bool(item.hibernate),
        saved_processes={n: tuple(p) for n, p in (item.saved_processes.as_dict() if item.saved_processes else {}).items()},
        saved_instances=tuple(item.saved_instances or ()),
        saved_limits={n: dict(v) for n, v in (item.saved_limits.as_dict() if item.saved_limits else {}).items()},
        action_id=item.action_id, last_error=item.last_error,
    )
