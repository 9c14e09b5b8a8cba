"""The audit service over an in-memory ledger: paging, filters, diff, export, verify and the feed."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from spothive.domain.audit import AuditEntry
from spothive.domain.audit_export import ExportFormat
from spothive.domain.audit_views import AuditFilter
from spothive.domain.errors import InvalidInput, NotFound
from spothive.domain.identity import Principal
from spothive.domain.tenancy import Role
from spothive.services.audit import AuditService, parse_cursor
from tests.support.fakes import NOW as T0
from tests.support.fakes import FixedClock, MemoryLedger, MemorySink

ALICE = Principal("u1", "a@example.com", "org-a", Role.CLIENT, "tok", T0 + timedelta(hours=1))


def _service(entries: int = 0) -> tuple[AuditService, MemoryLedger, MemorySink]:
    clock = FixedClock(T0, step=timedelta(seconds=1))
    ledger, sink = MemoryLedger(clock), MemorySink()
    for n in range(entries):
        actor = "system:discovery" if n % 2 else "user:u1"
        ledger.write("org-a", AuditEntry(actor, "account.scan" if n % 2 else "account.link", "account", f"acct-{n % 3}"))
    ledger.write("org-b", AuditEntry("user:u9", "account.link", "account", "acct-b"))
    return AuditService(ledger, sink, clock), ledger, sink


def test_pages_walk_newest_first_without_gaps_or_repeats() -> None:
    # Given 7 records in org-a
    service, _, _ = _service(7)
    # When pages of 3 are fetched by following next_cursor
    first = service.search("org-a", AuditFilter(), limit=3)
    second = service.search("org-a", AuditFilter(), limit=3, cursor=first.next_cursor)
    third = service.search("org-a", AuditFilter(), limit=3, cursor=second.next_cursor)
    # Then they are 7..5, 4..2, 1 and the last page has no cursor
    assert [r.seq for r in first.records] == [7, 6, 5]
    assert first.next_cursor == "5"
    assert [r.seq for r in second.records] == [4, 3, 2]
    assert [r.seq for r in third.records] == [1]
    assert third.next_cursor is None


def test_filters_apply_across_pages() -> None:
    service, _, _ = _service(9)
    page = service.search("org-a", AuditFilter(actor="system:discovery"), limit=2)
    assert [r.seq for r in page.records] == [8, 6]
    rest = service.search("org-a", AuditFilter(actor="system:discovery"), limit=10, cursor=page.next_cursor)
    assert [r.seq for r in rest.records] == [4, 2]
    assert rest.next_cursor is None


@pytest.mark.parametrize(("limit", "cursor", "field"), [(0, None, "limit"), (201, None, "limit"), (5, "abc", "cursor"),
                                                          (5, "0", "cursor")])
def test_bad_paging_names_the_field(limit: int, cursor: str | None, field: str) -> None:
    service, _, _ = _service(1)
    with pytest.raises(InvalidInput) as raised:
        service.search("org-a", AuditFilter(), limit=limit, cursor=cursor)
    assert raised.value.field == field
    assert parse_cursor("") is None


def test_get_and_diff_stay_inside_the_tenant() -> None:
    service, ledger, _ = _service(0)
    ledger.write("org-a", AuditEntry("user:u1", "policy.update", "policy", "c-1",
                                     before={"max_nodes": 10, "spot": True}, after={"max_nodes": 15, "spot": True}))
    diff = service.diff("org-a", 1)
    assert diff["changes"] == [{"path": "max_nodes", "before": 10, "after": 15}]
    assert diff["before"] == {"max_nodes": 10, "spot": True}
    with pytest.raises(NotFound):
        service.get("org-a", 2)  # org-a holds one record
    with pytest.raises(NotFound):
        service.get("org-b", 2)
    with pytest.raises(NotFound):
        service.get("org-a", 0)


def test_export_stores_the_file_with_its_checksum_and_audits_itself() -> None:
    # Given 4 records in org-a
    service, ledger, sink = _service(4)
    # When the window covering seconds 1..2 of the chain is exported as JSON Lines
    result = service.export(ALICE, ExportFormat.JSONL, T0 + timedelta(seconds=1), T0 + timedelta(seconds=2))
    # Then the file holds records 2 and 3 and its checksum is SHA-256 of its bytes
    ((key, (body, content_type)),) = sink.files.items()
    assert [json.loads(line)["seq"] for line in body.decode().splitlines()] == [2, 3]
    assert result.checksum == hashlib.sha256(body).hexdigest()
    assert (result.records, result.size, result.file_url) == (2, len(body), f"memory://{key}")
    assert content_type == "application/x-ndjson"
    assert key.startswith("audit-exports/org-a/") and key.endswith(".jsonl")
    # And the export is itself a ledger record
    record = ledger.get("org-a", result.audit_seq)
    assert record is not None
    assert (record.action, record.actor, record.after["checksum"], record.after["records"]) == (  # type: ignore[index]
        "audit.export", "user:u1", result.checksum, 2)


def test_verify_reports_ok_then_the_edit() -> None:
    service, ledger, _ = _service(3)
    assert service.verify("org-a").ok is True
    assert service.verify("org-a").records == 3
    from dataclasses import replace

    ledger.chains["org-a"][1] = replace(ledger.chains["org-a"][1], actor="user:mallory")
    report = service.verify("org-a")
    assert (report.ok, [(b.seq, b.kind) for b in report.breaks]) == (False, [(2, "edited")])


def test_activity_is_the_last_fifty_newest_first_of_one_org() -> None:
    service, _, _ = _service(60)
    feed = service.activity("org-a")
    assert len(feed) == 50
    assert [i.seq for i in feed[:3]] == [60, 59, 58]
    assert feed[-1].seq == 11
    assert feed[0].actor == "system:discovery"
    assert all(i.actor != "user:u9" for i in feed)
