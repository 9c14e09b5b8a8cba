"""The audit ledger in DynamoDB, and writing a change together with its audit record atomically.

Layout: one partition per tenant (``org_id``); ``seq`` 0 is the chain head (``last_seq``, ``last_hash``),
``seq`` 1… are the records. An append is a transaction that puts record n+1 (only if absent) and moves
the head from n to n+1 (only if it is still at n), together with the business change itself. Two
concurrent appends cannot both win; the loser re-reads the head and retries.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from spothive.adapters.dynamo import models, schema
from spothive.domain.audit import AuditEntry, AuditRecord, ChainHead, next_record
from spothive.domain.errors import Conflict

HEAD_SEQ = 0
MAX_ATTEMPTS = 40  # 8 writers racing on one head under a loaded host still commit (about 6 s of back-off at most)


class AuditModel(Model):
    class Meta:
        table_name = "audit-logs"

    org_id = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    # head item (seq 0)
    last_seq = NumberAttribute(null=True)
    last_hash = UnicodeAttribute(null=True)
    # record items (seq >= 1)
    timestamp = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    resource_type = UnicodeAttribute(null=True)
    resource_id = UnicodeAttribute(null=True)
    before = UnicodeAttribute(null=True)  # canonical JSON text, so what is hashed is what is stored
    after = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    prev_hash = UnicodeAttribute(null=True)
    hash = UnicodeAttribute(null=True)


models.register(AuditModel, schema.AUDIT)

#: Builds the business part of a transaction; returns nothing, raises to abort.
TxnBuilder = Callable[[TransactWrite], None]


class AuditStore:
    """Reads the ledger and appends to it inside the same transaction as a change."""

    def __init__(self, region: str, host: str | None, clock: Callable[[], datetime]) -> None:
        self._now = clock
        #: One connection (one botocore client, thread-safe) for every transaction of this process:
        #: building a client per transaction costs more than the write itself.
        self.connection = Connection(region=region, host=host)

    def head(self, org_id: str) -> ChainHead:
        """The tenant's chain head (genesis when the tenant has no records)."""
        try:
            item = AuditModel.get(org_id, HEAD_SEQ, consistent_read=True)
        except AuditModel.DoesNotExist:
            return ChainHead()
        return ChainHead(int(item.last_seq or 0), item.last_hash or ChainHead().hash)

    def write(
        self, org_id: str, entry: AuditEntry, build: TxnBuilder | None = None, *, conflict: Conflict | None = None
    ) -> AuditRecord:
        """Commit ``build``'s writes and the audit record for ``entry`` in one transaction.

        A business condition that fails raises ``conflict`` (a generic ``Conflict`` when not given) and
        writes nothing; a lost race on the chain head retries.
        """
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, 0.025 * min(attempt, 10)))  # jittered back-off, up to ~6 s in all
            head = self.head(org_id)
            record = next_record(org_id, head, entry, self._now())
            audit_at: tuple[int, ...] = ()
            try:
                with TransactWrite(connection=self.connection) as txn:
                    if build is not None:
                        build(txn)
                    self._append(txn, record, head)
                    audit_at = _audit_positions(txn)
                return record
            except TransactWriteError as exc:
                reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
                audit_reasons = [reasons[i] for i in audit_at if i < len(reasons)]
                business = [r for i, r in enumerate(reasons) if i not in audit_at]
                if "ConditionalCheckFailed" in audit_reasons and "ConditionalCheckFailed" not in business:
                    continue  # another writer moved the head: retry on the new head
                if "ConditionalCheckFailed" in reasons:
                    raise (conflict or Conflict("the resource changed meanwhile; reload and retry")) from exc
                if "TransactionConflict" in reasons:
                    continue
                raise
        raise Conflict("the audit ledger is busy; retry")

    def records(
        self, org_id: str, *, after_seq: int = 0, before_seq: int | None = None, limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[AuditRecord]:
        """Records with ``after_seq < seq < before_seq`` in ``seq`` order (a Query on the tenant's partition,
        paged lazily), skipping the head."""
        low = max(after_seq, HEAD_SEQ) + 1
        if before_seq is None:
            condition = AuditModel.seq >= low
        elif before_seq - 1 < low:
            return
        else:
            condition = AuditModel.seq.between(low, before_seq - 1)
        for item in AuditModel.query(org_id, condition, scan_index_forward=not newest_first, limit=limit):
            yield to_record(item)

    def get(self, org_id: str, seq: int) -> AuditRecord | None:
        """One record of the tenant (``None`` for the head or when absent)."""
        if seq <= HEAD_SEQ:
            return None
        try:
            return to_record(AuditModel.get(org_id, seq))
        except AuditModel.DoesNotExist:
            return None

    @staticmethod
    def _append(txn: TransactWrite, record: AuditRecord, head: ChainHead) -> None:
        txn.save(to_item(record), condition=AuditModel.seq.does_not_exist())
        head_item = AuditModel(record.org_id, HEAD_SEQ, last_seq=record.seq, last_hash=record.hash)
        if head.seq == 0:
            txn.save(head_item, condition=AuditModel.seq.does_not_exist())
        else:
            txn.save(head_item, condition=AuditModel.last_seq == head.seq)


def _audit_positions(txn: TransactWrite) -> tuple[int, int]:
    """Where the record and head puts sit in the request: pynamodb sends condition checks, deletes,
    puts, then updates, and the audit puts are the last two puts."""
    end = len(txn._condition_check_items) + len(txn._delete_items) + len(txn._put_items)
    return end - 2, end - 1


def to_item(record: AuditRecord) -> AuditModel:
    """The stored form of a record."""
    return AuditModel(
        record.org_id,
        record.seq,
        timestamp=record.timestamp,
        actor=record.actor,
        action=record.action,
        resource_type=record.resource_type,
        resource_id=record.resource_id,
        before=None if record.before is None else json.dumps(record.before, sort_keys=True),
        after=None if record.after is None else json.dumps(record.after, sort_keys=True),
        reason=record.reason,
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


def to_record(item: AuditModel) -> AuditRecord:
    """A record read back exactly as stored (tampering shows in verification)."""
    before: Any = json.loads(item.before) if item.before else None
    after: Any = json.loads(item.after) if item.after else None
    return AuditRecord(
        org_id=item.org_id,
        seq=int(item.seq),
        timestamp=item.timestamp or "",
        actor=item.actor or "",
        action=item.action or "",
        resource_type=item.resource_type or "",
        resource_id=item.resource_id or "",
        before=before,
        after=after,
        reason=item.reason,
        prev_hash=item.prev_hash or "",
        hash=item.hash or "",
    )
