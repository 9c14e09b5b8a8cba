"""The SES mailer against moto: a text + HTML message from the verified sender."""

from __future__ import annotations

import boto3
import pytest

from spothive.adapters.aws.ses_mailer import SesMailer

pytestmark = pytest.mark.integration


def test_the_report_is_sent_from_the_sender_with_both_parts(hub: dict[str, str]) -> None:
    boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="reports@spothive.io")
    message_id = SesMailer("reports@spothive.io", "us-east-1").send(
        "ops@acme.example", "SpotHive weekly: $42.00 saved", "plain body", "<p>html body</p>")
    assert message_id
    sent = boto3.client("ses", region_name="us-east-1").get_send_statistics()["SendDataPoints"]
    assert sum(p["DeliveryAttempts"] for p in sent) >= 1
