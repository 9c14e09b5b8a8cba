"""AuditLedger: the in-memory fake and DynamoDB chain, order and page alike."""

from __future__ import annotations

from spothive.domain.audit import AuditEntry, ChainHead, verify_chain


def entry(n: int) -> AuditEntry:
    return AuditEntry("user:u-1", f"test.step{n}", "thing", f"t-{n}", before=None, after={"n": n})


def test_given_appends_when_read_then_seq_order_and_a_verifiable_chain(ledger):
    assert ledger.head("org-1") == ChainHead()
    written = [ledger.write("org-1", entry(n)) for n in range(1, 6)]

    records = list(ledger.records("org-1"))

    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records == written
    assert ledger.head("org-1") == ChainHead(5, written[-1].hash)
    assert verify_chain(records, ledger.head("org-1")) == []


def test_windows_limits_and_newest_first_page_the_same_way(ledger):
    for n in range(1, 8):
        ledger.write("org-1", entry(n))
    ledger.write("org-2", entry(99))

    assert [r.seq for r in ledger.records("org-1", after_seq=2, before_seq=6)] == [3, 4, 5]
    assert [r.seq for r in ledger.records("org-1", limit=3)] == [1, 2, 3]
    assert [r.seq for r in ledger.records("org-1", newest_first=True, limit=2)] == [7, 6]
    assert [r.seq for r in ledger.records("org-1", after_seq=5, before_seq=6)] == []
    assert [r.seq for r in ledger.records("org-2")] == [1]


def test_get_finds_one_record_and_never_the_head(ledger):
    third = [ledger.write("org-1", entry(n)) for n in range(1, 4)][2]

    assert ledger.get("org-1", 3) == third
    assert ledger.get("org-1", 0) is None
    assert ledger.get("org-1", 4) is None
    assert ledger.get("org-other", 1) is None
