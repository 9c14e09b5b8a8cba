"""/api/hibernation end to end with a pinned clock: schedule, pre-warm, time zone, override, state."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest

from tests.integration.config.helpers import add_cluster, audit_records, last_audit, pinned_api
from tests.integration.slice.helpers import signup

pytestmark = pytest.mark.integration

MONDAY_0800_EST = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
MONDAY_2200_EST = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
OFFICE = [1 if d < 5 and 9 <= h < 17 else 0 for d in range(7) for h in range(24)]


def _table():  # type: ignore[no-untyped-def]
    return boto3.resource("dynamodb", region_name="us-east-1").Table("it-hibernation-schedules")


def _save(client, tenant, cluster_id, **overrides):  # type: ignore[no-untyped-def]
    body = {"cluster_id": cluster_id, "schedule_matrix": OFFICE, "timezone": "America/New_York", **overrides}
    return client.post("/api/hibernation/schedule", headers=tenant.headers, json=body)


def test_save_schedule_reports_state_and_next_transition_and_indexes_it(hub: dict[str, str]) -> None:
    client, _ = pinned_api(MONDAY_0800_EST)
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    # Given no schedule yet: always awake, nothing configured
    empty = client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers).json()
    assert (empty["configured"], empty["awake_now"], empty["next_transition"]) == (False, True, None)
    # When office hours are saved in New York time at Monday 08:00 EST
    response = _save(client, tenant, cluster_id)
    # Then the cluster should be asleep now and wake at 09:00 EST (14:00Z)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["configured"], body["enabled"], body["awake_now"], body["version"]) == (True, True, False, 1)
    assert body["next_transition"] == {"at": "2026-03-02T14:00:00Z", "state": "awake"}
    assert body["schedule_matrix"] == OFFICE
    assert client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers).json() == body
    # And the audit record holds the schedule
    record = last_audit(tenant.org_id, "hibernation.schedule.save")
    assert record.before is None
    assert record.after["timezone"] == "America/New_York"  # type: ignore[index]
    assert record.after["schedule_matrix"] == "".join(map(str, OFFICE))  # type: ignore[index]
    # And the item is in the sparse by_enabled index under its shard
    item = _table().get_item(Key={"org_id": tenant.org_id, "cluster_id": cluster_id})["Item"]
    assert item["schedule_key"] == f"{tenant.org_id}#{cluster_id}"
    indexed = _table().query(IndexName="by_enabled", KeyConditionExpression="enabled_shard = :s AND schedule_key = :k",
                             ExpressionAttributeValues={":s": item["enabled_shard"], ":k": item["schedule_key"]})
    assert indexed["Count"] == 1
    # When it is disabled, it leaves the index
    disabled = _save(client, tenant, cluster_id, enabled=False).json()
    assert (disabled["enabled"], disabled["awake_now"], disabled["version"]) == (False, True, 2)
    item = _table().get_item(Key={"org_id": tenant.org_id, "cluster_id": cluster_id})["Item"]
    assert "enabled_shard" not in item
    assert "schedule_key" not in item


def test_prewarm_and_timezone_changes(hub: dict[str, str]) -> None:
    client, _ = pinned_api(MONDAY_0800_EST)
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    _save(client, tenant, cluster_id)
    # When pre-warm is enabled, the wake moves 30 minutes earlier
    warm = client.patch("/api/hibernation/prewarm", headers=tenant.headers, json={"cluster_id": cluster_id, "enabled": True})
    assert warm.status_code == 200, warm.text
    assert warm.json()["prewarm"] is True
    assert warm.json()["next_transition"] == {"at": "2026-03-02T13:30:00Z", "state": "awake"}
    record = last_audit(tenant.org_id, "hibernation.prewarm.update")
    assert (record.before["prewarm"], record.after["prewarm"]) == (False, True)  # type: ignore[index]
    # When the zone becomes Asia/Kolkata (Monday 18:30 IST now), the next wake is Tuesday 08:30 IST = 03:00Z
    tz = client.patch("/api/hibernation/tz", headers=tenant.headers,
                      json={"cluster_id": cluster_id, "timezone": "Asia/Kolkata"})
    assert tz.status_code == 200, tz.text
    assert tz.json()["timezone"] == "Asia/Kolkata"
    assert tz.json()["awake_now"] is False
    assert tz.json()["next_transition"] == {"at": "2026-03-03T03:00:00Z", "state": "awake"}
    record = last_audit(tenant.org_id, "hibernation.timezone.update")
    assert (record.before["timezone"], record.after["timezone"]) == ("America/New_York", "Asia/Kolkata")  # type: ignore[index]
    assert tz.json()["version"] == 3


def test_override_wakes_until_now_plus_duration(hub: dict[str, str]) -> None:
    client, _ = pinned_api(MONDAY_2200_EST)
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    assert _save(client, tenant, cluster_id).json()["awake_now"] is False
    response = client.post("/api/hibernation/override", headers=tenant.headers,
                           json={"cluster_id": cluster_id, "duration_minutes": 90})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["awake_now"] is True
    assert body["override_until"] == "2026-03-03T04:30:00Z"
    assert body["next_transition"] == {"at": "2026-03-03T04:30:00Z", "state": "asleep"}
    record = last_audit(tenant.org_id, "hibernation.override")
    assert record.before["override_until"] is None  # type: ignore[index]
    assert record.after["override_until"] == "2026-03-03T04:30:00+00:00"  # type: ignore[index]


@pytest.mark.parametrize(("path", "method", "body", "field"), [
    ("schedule", "post", {"schedule_matrix": [1] * 167, "timezone": "UTC"}, "schedule_matrix"),
    ("schedule", "post", {"schedule_matrix": [1] * 5 + [2] + [1] * 162, "timezone": "UTC"}, "schedule_matrix.5"),
    ("schedule", "post", {"schedule_matrix": ["1"] * 168, "timezone": "UTC"}, "schedule_matrix.0"),
    ("schedule", "post", {"schedule_matrix": [1] * 168, "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ("schedule", "post", {"timezone": "UTC"}, "schedule_matrix"),
    ("tz", "patch", {"timezone": "Europe/Atlantis"}, "timezone"),
    ("override", "post", {"duration_minutes": 0}, "duration_minutes"),
    ("override", "post", {"duration_minutes": 1441}, "duration_minutes"),
    ("prewarm", "patch", {"enabled": "soon"}, "enabled"),
])
def test_bad_input_is_422_naming_the_field_and_changes_nothing(
    hub: dict[str, str], path: str, method: str, body: dict, field: str
) -> None:
    client, _ = pinned_api(MONDAY_0800_EST)
    tenant = signup(client)
    cluster_id = add_cluster(tenant.org_id)
    _save(client, tenant, cluster_id)
    before = client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers).json()
    response = getattr(client, method)(f"/api/hibernation/{path}", headers=tenant.headers,
                                       json={"cluster_id": cluster_id, **body})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert client.get(f"/api/hibernation/{cluster_id}", headers=tenant.headers).json() == before
    assert [r.action for r in audit_records(tenant.org_id)] == ["hibernation.schedule.save"]


def test_another_tenants_cluster_is_404_and_missing_schedule_is_404(hub: dict[str, str]) -> None:
    client, _ = pinned_api(MONDAY_0800_EST)
    owner, other = signup(client), signup(client)
    cluster_id = add_cluster(owner.org_id)
    _save(client, owner, cluster_id)
    assert client.get(f"/api/hibernation/{cluster_id}", headers=other.headers).status_code == 404
    assert _save(client, other, cluster_id).status_code == 404
    for path, method, body in [("prewarm", "patch", {"enabled": True}), ("tz", "patch", {"timezone": "UTC"}),
                               ("override", "post", {"duration_minutes": 10})]:
        response = getattr(client, method)(f"/api/hibernation/{path}", headers=other.headers,
                                           json={"cluster_id": cluster_id, **body})
        assert response.status_code == 404, path
        assert response.json()["error"]["field"] == "cluster_id"
    assert audit_records(other.org_id) == []
    # A cluster of one's own without a schedule cannot be pre-warmed
    bare = add_cluster(other.org_id)
    missing = client.patch("/api/hibernation/prewarm", headers=other.headers, json={"cluster_id": bare, "enabled": True})
    assert missing.status_code == 404
    assert "schedule" in missing.json()["error"]["message"]
