"""The weekly report: who receives it, and how it is delivered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Recipient:
    """A user of an org and whether they want the weekly report."""

    user_id: str
    email: str
    weekly_report: bool


class ReportRecipients(Protocol):
    """Users by org, and each user's report setting."""

    def of_org(self, org_id: str) -> Sequence[Recipient]:
        """Every user of ``org_id`` (a Query on the users table's by_org index)."""
        ...

    def weekly_report(self, user_id: str) -> bool:
        """Whether the user receives the weekly report (the default is yes)."""
        ...

    def set_weekly_report(self, user_id: str, enabled: bool) -> None: ...


class Mailer(Protocol):
    """Sends one e-mail with a text and an HTML part."""

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        """The message id (or the file it was written to)."""
        ...
