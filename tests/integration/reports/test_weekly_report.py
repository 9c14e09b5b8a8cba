"""WORK-RPT-01 end to end: the demo org's week, rendered and mailed to the local mailbox, with opt-out."""

from __future__ import annotations

import email
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from spothive import wiring
from spothive.adapters.dynamo.models import UserModel
from spothive.domain.audit import AuditEntry
from spothive.domain.jobs import Job, JobStatus
from spothive.local.demo import DEMO_EMAIL
from spothive.local.demo_customer import seed_customer
from spothive.services.optimization import SYSTEM_ACTOR
from spothive.wiring import agents, kernel, optimization, reports
from tests.integration.slice.helpers import PASSWORD, api
from tests.support.fakes.clock import FixedClock

pytestmark = pytest.mark.integration

#: The report runs Monday 7 December 2026 08:00 UTC and covers Monday 30 November to Sunday 6 December.
RUN_AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def demo(isolated_tables: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The demo org (sign-up, linked demo customer, first scan) in fresh tables, mail to ``tmp_path``."""
    os.environ["SPOTHIVE_MAILBOX_DIR"] = str(tmp_path / "mailbox")
    os.environ["SPOTHIVE_CONSOLE_URL"] = "http://127.0.0.1:8000"
    wiring.reset()
    client = api()
    email_address = DEMO_EMAIL.replace("@", f"+{uuid.uuid4().hex[:6]}@")
    signed = client.post("/api/auth/signup", json={"org_name": "Acme <Demo>", "email": email_address,
                                                   "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    body = signed.json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    customer = seed_customer(str(uuid.uuid4().int)[:12].rjust(12, "3"), cluster_name="demo-east")
    client.post("/api/connect/link", headers=headers)
    verified = client.post("/api/connect/verify", headers=headers,
                           json={"account_id": body["account_id"], "role_arn": customer.role_arn})
    assert verified.status_code == 200, verified.text
    cluster_id = client.get("/api/client/clusters", headers=headers).json()["clusters"][0]["cluster_id"]
    yield {"client": client, "headers": headers, "org_id": body["org_id"], "cluster_id": cluster_id,
           "email": email_address, "mailbox": tmp_path / "mailbox"}
    os.environ.pop("SPOTHIVE_MAILBOX_DIR", None)
    os.environ.pop("SPOTHIVE_CONSOLE_URL", None)


def _week_of_activity(org_id: str, cluster_id: str, clock: FixedClock) -> None:
    """Two optimizations (one executed, one failed) and two sleeps, written as the workers write them."""
    jobs, ledger = optimization.jobs(), kernel.ledger()
    clock.set(_at(3, 11))
    job = Job(org_id, "job-week-1", cluster_id, JobStatus.RUNNING, SYSTEM_ACTOR, False, clock.now(), clock.now())
    jobs.create(job, AuditEntry(SYSTEM_ACTOR, "optimization.requested", "cluster", cluster_id,
                                after={"job_id": job.job_id, "dry_run": False}))
    flagged = {"flagged": ["us-east-1a:m5.xlarge"], "probability": 0.31}
    jobs.update(org_id, job.job_id, data={"decision": {
        "approved": [{"target": "n1"}, {"target": "n2"}],
        "blocked": [{"target": "n3", "reason": "pool flagged", "evidence": flagged},
                    {"target": "n4", "reason": "pool flagged", "evidence": flagged},
                    {"target": "n5", "reason": "PDB would be violated", "evidence": {"pdb": "web"}}],
        "groups": {"approved_saving_per_hour": 0.5}}})
    clock.set(_at(3, 12))
    ledger.write(org_id, AuditEntry(SYSTEM_ACTOR, "optimization.completed", "cluster", cluster_id, after={
        "job_id": job.job_id, "dry_run": False, "approved": 2, "blocked": 3, "execution": {"mode": "agent"}}))
    clock.set(_at(4, 9))
    ledger.write(org_id, AuditEntry(SYSTEM_ACTOR, "optimization.failed", "cluster", cluster_id,
                                    after={"job_id": "job-week-2", "dry_run": False}, reason="agent gone"))
    for at, state, dry in ((_at(2, 20), "asleep", False), (_at(3, 8), "awake", False),
                           (_at(5, 20), "asleep", True), (_at(6, 20), "asleep", False)):
        clock.set(at)
        verb = "sleep" if state == "asleep" else "wake"
        ledger.write(org_id, AuditEntry(SYSTEM_ACTOR, f"hibernation.{verb}", "hibernation", cluster_id,
                                        before=None, after={"state": state, "dry_run": dry}))
    # the agent last called in on Sunday: offline by Monday morning
    agents.heartbeats().beat(org_id, cluster_id, _at(6, 7))


def test_demo_org_weekly_report_has_the_weeks_exact_figures(demo: dict[str, Any]) -> None:
    # Given the demo org's week of activity, and the report run on Monday morning
    clock = FixedClock(_at(3, 11))
    kernel.clock.set_override(clock)  # the ledger and jobs are rebuilt on it
    _week_of_activity(demo["org_id"], demo["cluster_id"], clock)
    clock.set(RUN_AT)
    dashboard = demo["client"].get("/api/metrics/kpi", headers=demo["headers"]).json()
    # When the report is built
    report = reports.weekly_reports().build(demo["org_id"])
    # Then its figures are the week's, exactly
    assert (report.week_start, report.week_end) == (datetime(2026, 11, 30, tzinfo=UTC), _at(7, 0))
    assert report.realized_savings == 42.0  # $0.50/h from Thu 12:00 to Mon 00:00 = 84 h
    assert report.optimizations == 1
    assert report.interruptions_avoided == 2  # two pools flagged by the hive mind
    assert report.hibernation_hours == 16.0  # Wed 20:00-Thu 08:00 (12 h) + Sun 20:00-Mon 00:00 (4 h); dry run not
    assert report.attention == [
        "Agent offline on cluster demo-east: actions cannot run there until it reconnects",
        "3 actions blocked to keep workloads stable (see the audit log for each reason)",
        "1 optimization failed and was rolled back",
    ]
    # And spend and available savings are the dashboard's (a week of the monthly figure)
    assert dashboard["monthly_spend"] > 0
    assert report.monthly_spend == dashboard["monthly_spend"]
    assert report.spend == round(dashboard["monthly_spend"] / 730 * 168, 2)
    assert report.available_monthly_savings == dashboard["monthly_savings"]
    projection = demo["client"].get("/api/metrics/projection", headers=demo["headers"],
                                    params={"cluster_id": demo["cluster_id"]}).json()
    assert [(a.cluster, a.monthly_savings, a.actions) for a in report.top_actions] == (
        [("demo-east", projection["monthly_savings"], len(projection["actions"]))]
        if projection["monthly_savings"] > 0 else [])


def test_the_report_is_mailed_to_each_user_who_did_not_opt_out(demo: dict[str, Any]) -> None:
    kernel.clock.set_override(FixedClock(RUN_AT))
    # Given a second user of the org (opted in by default)
    UserModel("second-user", email="finance@acme.example", org_id=demo["org_id"], role="client",
              created_at=RUN_AT).save()
    client, headers = demo["client"], demo["headers"]
    assert client.get("/api/auth/me/settings", headers=headers).json() == {"weekly_report": True}
    # When the weekly worker runs
    from functions.worker_report import handler

    first = handler({})
    # Then both users got the e-mail, text and HTML, in the local mailbox
    assert first == {"orgs": 1, "sent": 2, "opted_out": 0, "failed": []}
    mail = _only_mail(demo["mailbox"] / demo["email"])
    assert mail["Subject"].startswith("SpotHive weekly: $0.00 saved")
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "SpotHive weekly report for Acme <Demo>, 30 Nov 2026 to 06 Dec 2026 (UTC)" in text
    assert "Acme &lt;Demo&gt;" in html and "<Demo>" not in html
    assert "Hibernation:                     0 cluster-hours asleep" in text
    assert "Stop these e-mails: http://127.0.0.1:8000/settings" in text
    # When the signed-up user opts out through the API and the worker runs again
    assert client.put("/api/auth/me/settings", headers=headers, json={"weekly_report": False}).json() == {
        "weekly_report": False}
    second = handler({})
    # Then only the other user is mailed
    assert second == {"orgs": 1, "sent": 1, "opted_out": 1, "failed": []}
    assert len(list((demo["mailbox"] / demo["email"]).glob("*.eml"))) == 1
    assert len(list((demo["mailbox"] / "finance@acme.example").glob("*.eml"))) == 2


def test_settings_reject_bad_input_and_need_a_token(demo: dict[str, Any]) -> None:
    client, headers = demo["client"], demo["headers"]
    bad = client.put("/api/auth/me/settings", headers=headers, json={"weekly_report": "sometimes"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "weekly_report"
    unknown = client.put("/api/auth/me/settings", headers=headers, json={"weekly_report": True, "x": 1})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "x"
    assert client.get("/api/auth/me/settings").status_code == 401
    assert client.get("/api/auth/me/settings", headers=headers).json() == {"weekly_report": True}


def _only_mail(folder: Path) -> email.message.EmailMessage:
    (path,) = folder.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message
