"""``Mailer`` on Amazon SES (v2 ``SendEmail``) from the hub's verified sender identity."""

from __future__ import annotations

from typing import Any

from spothive.adapters.aws import clients


class SesMailer:
    """Sends simple (text + HTML) messages from ``sender``."""

    def __init__(self, sender: str, region: str) -> None:
        self._sender = sender
        self._client: Any = clients.client("sesv2", region)

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        """SES's message id."""
        answer = self._client.send_email(
            FromEmailAddress=self._sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}},
            }},
        )
        return str(answer["MessageId"])
