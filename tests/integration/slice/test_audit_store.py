"""The audit store: appends chain correctly, also under concurrent writers."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from spothive.adapters.dynamo.audit_store import AuditModel, AuditStore
from spothive.domain.audit import AuditEntry, verify_chain
from spothive.wiring import kernel

pytestmark = pytest.mark.integration


def _store() -> AuditStore:
    kernel.core()  # binds the table names
    return AuditStore("us-east-1", None, lambda: datetime.now(UTC))


def test_concurrent_appends_form_one_unbroken_chain(hub: dict[str, str]) -> None:
    store, org = _store(), f"org-{uuid.uuid4().hex[:8]}"

    def append(n: int) -> int:
        return store.write(org, AuditEntry("system:test", "test.append", "thing", str(n), after={"n": n})).seq

    with ThreadPoolExecutor(max_workers=4) as pool:
        seqs = sorted(pool.map(append, range(8)))
    assert seqs == list(range(1, 9))
    records = list(store.records(org))
    assert [r.seq for r in records] == seqs
    assert verify_chain(records, store.head(org)) == []
    assert {r.after["n"] for r in records if r.after} == set(range(8))


def test_a_burst_of_racing_appends_leaves_the_ledger_writable(hub: dict[str, str]) -> None:
    # Given a ledger table holding another tenant's 300 records (a transaction copies the whole table)
    store, org = _store(), f"org-{uuid.uuid4().hex[:8]}"
    with AuditModel.batch_write() as batch:
        for n in range(300):
            batch.save(AuditModel(f"org-bulk-{uuid.uuid4().hex[:6]}", n + 1))
    # And eight writers racing on one tenant's chain head (many of their transactions fail and retry)

    def append(n: int) -> int:
        return store.write(org, AuditEntry("system:test", "test.race", "thing", str(n))).seq

    with ThreadPoolExecutor(max_workers=8) as pool:
        seqs = sorted(pool.map(append, range(48)))
    # When one more record is appended
    last = store.write(org, AuditEntry("system:test", "test.after", "thing", "last"))
    # Then every record is in one unbroken chain and the head follows the last (no failed transaction
    # restored a table half-written by another)
    assert seqs == list(range(1, 49)) and last.seq == 49
    records = list(store.records(org))
    assert len(records) == 49 and verify_chain(records, store.head(org)) == []


def test_newest_first_and_pagination(hub: dict[str, str]) -> None:
    store, org = _store(), f"org-{uuid.uuid4().hex[:8]}"
    for n in range(5):
        store.write(org, AuditEntry("user:u1", "thing.update", "thing", "t1", before={"v": n}, after={"v": n + 1}))
    assert [r.seq for r in store.records(org, newest_first=True, limit=2)] == [5, 4]
    assert [r.seq for r in store.records(org, after_seq=3)] == [4, 5]
    assert store.get(org, 0) is None
    assert store.get(org, 2).before == {"v": 1}  # type: ignore[union-attr]
