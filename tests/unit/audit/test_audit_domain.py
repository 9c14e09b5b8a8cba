"""Pure audit helpers: secret-free account views, filters, sentences, export rendering and checksum."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spothive.domain.audit import AuditEntry, ChainHead, next_record, record_hash, verify_chain
from spothive.domain.audit_export import CSV_COLUMNS, ExportFormat, checksum, render
from spothive.domain.audit_views import AuditFilter, account_view, describe, secret_hint
from spothive.domain.errors import InvalidInput
from spothive.domain.tenancy import Account, AccountStatus

T0 = datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


def _chain(entries: list[AuditEntry]) -> list:  # type: ignore[type-arg]
    head, records = ChainHead(), []
    for n, entry in enumerate(entries):
        record = next_record("org-1", head, entry, T0 + timedelta(seconds=n))
        records.append(record)
        head = ChainHead(record.seq, record.hash)
    return records


def test_account_view_shows_only_the_last_four_characters_of_the_external_id() -> None:
    # Given an account carrying a full External ID
    account = Account("org-1", "acct-1", AccountStatus.PENDING, T0, external_id="5f0c6d9e-aaaa-bbbb-cccc-1234abcd9f2e")
    # When the ledger's view of it is taken
    view = account_view(account)
    # Then the secret appears only as a hint
    assert view is not None
    assert view["external_id_hint"] == "…9f2e"
    assert "5f0c6d9e" not in json.dumps(view)
    assert view["status"] == "pending"
    assert account_view(None) is None
    assert secret_hint(None) is None


def test_filter_matches_every_given_condition_with_inclusive_bounds() -> None:
    records = _chain([
        AuditEntry("user:u1", "account.link", "account", "acct-1"),
        AuditEntry("system:discovery", "account.scan", "account", "acct-1"),
        AuditEntry("user:u1", "account.verify", "account", "acct-2"),
    ])
    assert [r.seq for r in records if AuditFilter(actor="user:u1").matches(r)] == [1, 3]
    assert [r.seq for r in records if AuditFilter(resource_id="acct-1", action="account.scan").matches(r)] == [2]
    window = AuditFilter(since=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=2))
    assert [r.seq for r in records if window.matches(r)] == [2, 3]
    east = timezone(timedelta(hours=2))
    assert [r.seq for r in records if AuditFilter(until=datetime(2026, 3, 8, 12, 0, tzinfo=east)).matches(r)] == [1]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"since": T0 + timedelta(hours=1), "until": T0}, "from"),
        ({"since": datetime(2026, 3, 8, 10, 0)}, "since"),
    ],
)
def test_filter_rejects_an_inverted_or_naive_window(kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput) as raised:
        AuditFilter(**kwargs)
    assert raised.value.field == field


def test_sentences_for_the_activity_feed() -> None:
    records = _chain([
        AuditEntry("user:u1", "account.verify", "account", "acct-1",
                   after={"status": "scanning", "aws_account_id": "123456789012"}),
        AuditEntry("system:discovery", "account.scan", "account", "acct-1",
                   after={"status": "active", "aws_account_id": "123456789012", "clusters": 1, "instances": 22,
                          "added": 22, "removed": 0, "changed": 0}),
        AuditEntry("system:optimizer", "node.switch_to_spot", "node", "i-0x89"),
        AuditEntry("user:u1", "audit.export", "audit_export", "k", after={"records": 7, "format": "csv"}),
        AuditEntry("user:u1", "template.set_default", "template", "tmpl-1"),
    ])
    assert [describe(r) for r in records] == [
        "Linked AWS account 123456789012",
        "Scanned AWS account 123456789012: 1 clusters, 22 instances (+22 -0 ~0)",
        "Switched node i-0x89 to Spot",
        "Exported 7 audit records as CSV",
        "Set default template tmpl-1",
    ]


def test_jsonl_export_lines_are_the_records_and_rehash_to_their_hashes() -> None:
    # Given a chain of two records, one with a nested before/after
    records = _chain([
        AuditEntry("user:u1", "policy.update", "policy", "c-1", before={"max_nodes": 10}, after={"max_nodes": 15}),
        AuditEntry("user:u1", "auth.logout", "user", "u1"),
    ])
    # When it is rendered as JSON Lines
    body = render(records, ExportFormat.JSONL)
    # Then each line is one record whose body re-hashes to its hash, and the checksum is SHA-256 of the bytes
    lines = [json.loads(line) for line in body.decode().splitlines()]
    assert [line["seq"] for line in lines] == [1, 2]
    assert lines[0]["after"] == {"max_nodes": 15}
    for line in lines:
        stored = line.pop("hash")
        assert record_hash(line) == stored
    assert lines[1]["prev_hash"] == records[0].hash
    assert checksum(body) == hashlib.sha256(body).hexdigest()
    assert body.endswith(b"\n")


def test_csv_export_has_a_header_and_one_row_per_record() -> None:
    records = _chain([
        AuditEntry("user:u1", "account.link", "account", "acct-1", after={"status": "pending"}, reason='a "quoted", reason'),
    ])
    rows = list(csv.DictReader(io.StringIO(render(records, ExportFormat.CSV).decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["seq"] == "1"
    assert rows[0]["after"] == '{"status":"pending"}'
    assert rows[0]["before"] == ""
    assert rows[0]["reason"] == 'a "quoted", reason'
    assert rows[0]["hash"] == records[0].hash
    assert ExportFormat.CSV.content_type == "text/csv"


def test_verify_chain_names_edits_gaps_and_truncation() -> None:
    records = _chain([AuditEntry("user:u1", "x.y", "thing", str(n)) for n in range(5)])
    tampered = [records[0], replace(records[1], actor="user:mallory"), records[3], records[4]]
    breaks = verify_chain(tampered, ChainHead(6, "f" * 64))
    assert [(b.seq, b.kind) for b in breaks] == [(2, "edited"), (4, "missing"), (6, "truncated")]
