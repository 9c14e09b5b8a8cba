"""The weekly report: its figures' sources, the recipients, and the mailer (SES, or a local mailbox)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import ReportSettings
from spothive.wiring import accounts, agents, inventory, kernel, optimization, preferences
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.ports.reports import Mailer
    from spothive.services.weekly_report import WeeklyReports


@component
def mailer() -> Mailer:
    """SES from the configured sender; without one, ``.eml`` files in the mailbox folder (the local stack)."""
    from spothive.adapters.aws.ses_mailer import SesMailer
    from spothive.adapters.local_mailbox import MailboxMailer

    s = settings.load(ReportSettings)
    if s.report_sender:
        return SesMailer(s.report_sender, kernel.core().region)
    return MailboxMailer(Path(s.mailbox_dir))


@component
def weekly_reports() -> WeeklyReports:
    """Build, render and send the weekly report."""
    from spothive.services.weekly_report import WeeklyReports

    return WeeklyReports(
        accounts.tenancy(), inventory.repo(), optimization.metrics(), kernel.ledger(), optimization.jobs(),
        agents.heartbeats(), preferences.recipients(), mailer(), kernel.clock(),
        console_url=settings.load(ReportSettings).console_url,
    )
