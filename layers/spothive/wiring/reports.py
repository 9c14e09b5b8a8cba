"""The weekly report: its figures' sources, the recipients, and the mailer (SES, or a local mailbox)."""

from __future__ import annotations

from pathlib import Path

from spothive import settings
from spothive.adapters.aws.ses_mailer import SesMailer
from spothive.adapters.local_mailbox import MailboxMailer
from spothive.ports.reports import Mailer
from spothive.services.weekly_report import WeeklyReports
from spothive.settings import ReportSettings
from spothive.wiring import accounts, agents, inventory, kernel, optimization, preferences
from spothive.wiring.registry import component


@component
def mailer() -> Mailer:
    """SES from the configured sender; without one, ``.eml`` files in the mailbox folder (the local stack)."""
    s = settings.load(ReportSettings)
    if s.report_sender:
        return SesMailer(s.report_sender, kernel.core().region)
    return MailboxMailer(Path(s.mailbox_dir))


@component
def weekly_reports() -> WeeklyReports:
    """Build, render and send the weekly report."""
    return WeeklyReports(
        accounts.tenancy(), inventory.repo(), optimization.metrics(), kernel.ledger(), optimization.jobs(),
        agents.heartbeats(), preferences.recipients(), mailer(), kernel.clock(),
        console_url=settings.load(ReportSettings).console_url,
    )
