"""``GET /api/audit/export``: JSON Lines and CSV files whose checksum matches, locally and on S3."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest

from spothive.adapters.aws.export_sink import URL_TTL_SECONDS, S3ExportSink
from spothive.adapters.local_export_sink import LocalExportSink
from spothive.domain.audit import AuditEntry, record_hash
from tests.integration.audit.support import by_action, export_sink, seed
from tests.integration.slice.helpers import Tenant, api, signup

pytestmark = pytest.mark.integration


def _tenant_with_records() -> Tenant:
    tenant = signup(api())
    seed(tenant.org_id, [
        AuditEntry("user:u1", "policy.update", "policy", "c-1", before={"max_nodes": 10}, after={"max_nodes": 15},
                   reason='operator said "scale, please"'),
        AuditEntry("system:discovery", "account.scan", "account", tenant.account_id, after={"instances": 22}),
    ])
    return tenant


def _file_bytes(url: str) -> bytes:
    assert url.startswith("file://")
    return Path(urllib.parse.urlparse(url).path).read_bytes()


def test_local_jsonl_export_matches_the_ledger_and_its_checksum(hub: dict[str, str], tmp_path: Path) -> None:
    # Given a tenant with 3 records and exports going to a local data directory
    tenant = _tenant_with_records()
    client = api()
    with export_sink(LocalExportSink(tmp_path)):
        # When the whole ledger is exported as JSON Lines
        response = client.get("/api/audit/export", headers=tenant.headers, params={"format": "jsonl"})
    assert response.status_code == 200, response.text
    body = response.json()
    data = _file_bytes(body["file_url"])
    # Then the checksum is the SHA-256 of the file's bytes, and the file lies under the data directory
    assert body["checksum"] == hashlib.sha256(data).hexdigest()
    assert (body["checksum_algorithm"], body["format"], body["records"], body["bytes"]) == ("sha256", "jsonl", 3, len(data))
    assert body["expires_in"] is None
    assert Path(urllib.parse.urlparse(body["file_url"]).path).is_relative_to(tmp_path)
    # And each line is the record the API shows, re-hashing to its own hash
    lines = [json.loads(line) for line in data.decode().splitlines()]
    listed = list(reversed(client.get("/api/audit", headers=tenant.headers).json()["logs"]))
    assert [line["seq"] for line in lines] == [1, 2, 3]
    for line, shown in zip(lines, listed[:3], strict=True):
        assert line["hash"] == shown["hash"]
        assert line["after"] == shown["after"]
        stored = line.pop("hash")
        assert record_hash(line) == stored
    # And the export is in the ledger with the same checksum
    (audited,) = by_action(tenant.org_id, "audit.export")
    after = json.loads(audited["after"])
    assert (int(audited["seq"]), after["checksum"], after["records"]) == (body["audit_id"], body["checksum"], 3)
    assert listed[-1]["action"] == "audit.export"


def test_s3_csv_export_downloads_through_the_presigned_url(hub: dict[str, str]) -> None:
    # Given an exports bucket in the emulator and a tenant with 3 records
    bucket = f"spothive-exports-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    tenant = _tenant_with_records()
    client = api()
    with export_sink(S3ExportSink(bucket, "us-east-1")):
        # When the ledger is exported as CSV
        body = client.get("/api/audit/export", headers=tenant.headers, params={"format": "csv"}).json()
    # Then the URL is presigned for 15 minutes and downloads bytes whose SHA-256 is the checksum
    assert body["expires_in"] == URL_TTL_SECONDS == 900
    assert "X-Amz-Expires=900" in body["file_url"]
    with urllib.request.urlopen(body["file_url"]) as download:
        data = download.read()
    assert hashlib.sha256(data).hexdigest() == body["checksum"]
    # And the rows are the records, oldest first, with before/after as canonical JSON
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [(r["seq"], r["action"]) for r in rows] == [("1", "auth.signup"), ("2", "policy.update"), ("3", "account.scan")]
    assert (rows[1]["before"], rows[1]["after"]) == ('{"max_nodes":10}', '{"max_nodes":15}')
    assert rows[1]["reason"] == 'operator said "scale, please"'
    listed = {r["id"]: r for r in client.get("/api/audit", headers=tenant.headers).json()["logs"]}
    assert all(listed[int(r["seq"])]["hash"] == r["hash"] for r in rows)
    key = urllib.parse.urlparse(body["file_url"]).path.split(f"/{bucket}/", 1)[1]
    head = boto3.client("s3", region_name="us-east-1").head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == "text/csv"


def test_export_window_holds_only_records_inside_it(hub: dict[str, str], tmp_path: Path) -> None:
    tenant = _tenant_with_records()
    client = api()
    logs = client.get("/api/audit", headers=tenant.headers).json()["logs"]
    second = next(r for r in logs if r["id"] == 2)["timestamp"]
    with export_sink(LocalExportSink(tmp_path)):
        body = client.get("/api/audit/export", headers=tenant.headers,
                          params={"format": "jsonl", "from": second, "to": second}).json()
    lines = [json.loads(x) for x in _file_bytes(body["file_url"]).decode().splitlines()]
    assert [line["seq"] for line in lines] == [r["id"] for r in logs if r["timestamp"] == second]
    assert 2 in [line["seq"] for line in lines]
    assert 1 not in [line["seq"] for line in lines]


def test_a_rejected_export_writes_nothing(hub: dict[str, str], tmp_path: Path) -> None:
    tenant = _tenant_with_records()
    with export_sink(LocalExportSink(tmp_path)):
        response = api().get("/api/audit/export", headers=tenant.headers, params={"format": "xml"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "format"
    assert list(tmp_path.iterdir()) == []
    assert by_action(tenant.org_id, "audit.export") == []
