"""``GET /api/activity/live``: the last 50 actions of the caller's org, newest first, as sentences."""

from __future__ import annotations

import uuid

import pytest

from spothive.domain.audit import AuditEntry
from tests.integration.audit.support import seed
from tests.integration.slice.helpers import api, signup

pytestmark = pytest.mark.integration


def test_feed_returns_the_last_fifty_newest_first_of_the_callers_org(hub: dict[str, str]) -> None:
    # Given Acme with 51 records (sign-up, a link, 49 node switches) and Globex with its own
    client = api()
    acme, globex = signup(client, "Acme"), signup(client, "Globex")
    client.post("/api/connect/link", headers=acme.headers)
    seed(acme.org_id, [AuditEntry("system:optimizer", "node.switch_to_spot", "node", f"i-0x{n:02d}") for n in range(49)])
    seed(globex.org_id, [AuditEntry("user:g1", "node.switch_to_spot", "node", "i-globex")])
    # When Acme opens the dashboard
    response = client.get("/api/activity/live", headers=acme.headers)
    # Then it sees 50 events, 51 down to 2, each with a sentence, none of Globex's
    assert response.status_code == 200
    events = response.json()["events"]
    assert len(events) == 50
    assert [e["id"] for e in events] == list(range(51, 1, -1))
    assert events[0]["message"] == "Switched node i-0x48 to Spot"
    assert (events[0]["actor"], events[0]["action"]) == ("system:optimizer", "node.switch_to_spot")
    assert events[0]["timestamp"] >= events[-1]["timestamp"]
    assert all("i-globex" not in e["message"] for e in events)


def test_feed_of_a_new_org_describes_sign_up_and_link(hub: dict[str, str]) -> None:
    client = api()
    org_name = f"Initech {uuid.uuid4().hex[:4]}"
    tenant = signup(client, org_name)
    external_id = client.post("/api/connect/link", headers=tenant.headers).json()["external_id"]
    events = client.get("/api/activity/live", headers=tenant.headers).json()["events"]
    assert [e["message"] for e in events] == [
        f"Issued a new External ID (…{external_id[-4:]}) to link an AWS account",
        f"Created organisation {org_name}",
    ]
    assert [e["action"] for e in events] == ["account.link", "auth.signup"]
