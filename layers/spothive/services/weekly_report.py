"""WORK-RPT-01: every week, per org, an e-mail of the week's spend, savings and what needs attention."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from spothive.domain.agent_link import agent_health
from spothive.domain.audit import AuditRecord
from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.domain.report_render import RenderedMail, render
from spothive.domain.tenancy import AccountStatus, Role
from spothive.domain.weekly_report import (
    Completion,
    Opportunity,
    Transition,
    WeeklyReport,
    attention_items,
    hibernation_hours,
    realized_savings,
    report_week,
    top_actions,
    weekly_spend,
)
from spothive.ports.agents import Heartbeats
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo
from spothive.ports.jobs import JobsRepo
from spothive.ports.reports import Mailer, ReportRecipients
from spothive.ports.tenancy import TenancyRepo
from spothive.services.metrics import MetricsService

LOG = logging.getLogger(__name__)
REPORT_ACTOR = "system:weekly-report"


@dataclass(frozen=True, slots=True)
class SendSummary:
    """What one run did."""

    orgs: int
    sent: int
    opted_out: int
    failed: list[str]


class WeeklyReports:
    """Build, render and send the weekly report."""

    def __init__(self, tenancy: TenancyRepo, inventory: InventoryRepo, metrics: MetricsService, ledger: AuditLedger,
                 jobs: JobsRepo, heartbeats: Heartbeats, recipients: ReportRecipients, mailer: Mailer, clock: Clock,
                 *, console_url: str) -> None:
        self._tenancy, self._inventory, self._metrics = tenancy, inventory, metrics
        self._ledger, self._jobs, self._heartbeats = ledger, jobs, heartbeats
        self._recipients, self._mailer, self._clock = recipients, mailer, clock
        self._console_url = console_url

    def build(self, org_id: str) -> WeeklyReport:
        """The report of the last full week for ``org_id``."""
        org = self._tenancy.get_org(org_id)
        if org is None:
            raise NotFound(f"org {org_id} not found", field="org_id")
        now = self._clock.now()
        start, end = report_week(now)
        principal = Principal(REPORT_ACTOR, "", org_id, Role.CLIENT, "", now)
        kpis = self._metrics.kpis(principal)
        completions, transitions, failed = self._week(org_id, start, end)
        clusters = self._inventory.list_clusters(org_id)
        opportunities = []
        for cluster in clusters:
            projection = self._metrics.projection(principal, cluster.cluster_id)
            opportunities.append(Opportunity(cluster.name, projection.monthly_savings, len(projection.moves)))
        offline = [c.name for c in clusters
                   if (seen := self._heartbeats.last_seen(org_id, c.cluster_id)) is not None
                   and agent_health(seen, now).status != "green"]
        return WeeklyReport(
            org_id=org_id, org_name=org.name, week_start=start, week_end=end,
            spend=weekly_spend(kpis.monthly_spend), monthly_spend=kpis.monthly_spend,
            available_monthly_savings=kpis.monthly_savings,
            realized_savings=realized_savings(completions, start, end), optimizations=len(completions),
            interruptions_avoided=sum(c.blocked_by_hive for c in completions),
            hibernation_hours=hibernation_hours(transitions, start, end),
            top_actions=top_actions(opportunities), attention=attention_items(offline, completions, failed),
        )

    def render(self, org_id: str) -> RenderedMail:
        """The e-mail of ``org_id``'s report."""
        return render(self.build(org_id), self._console_url)

    def send_all(self) -> SendSummary:
        """One report per org with an active account, to each of its users who did not opt out."""
        orgs = sorted({a.org_id for a in self._tenancy.accounts_with_status(AccountStatus.ACTIVE)})
        sent = opted_out = 0
        failed: list[str] = []
        for org_id in orgs:
            try:
                mail: RenderedMail | None = None
                for recipient in self._recipients.of_org(org_id):
                    if not recipient.weekly_report:
                        opted_out += 1
                        continue
                    mail = mail or self.render(org_id)
                    self._mailer.send(recipient.email, mail.subject, mail.text, mail.html)
                    sent += 1
            except Exception as exc:  # one org's failure never stops the others' reports
                LOG.warning("weekly report of %s failed: %r", org_id, exc)
                failed.append(org_id)
        return SendSummary(len(orgs), sent, opted_out, failed)

    def _week(self, org_id: str, start: datetime, end: datetime) -> tuple[list[Completion], list[Transition], int]:
        completions: list[Completion] = []
        transitions: list[Transition] = []
        failed = 0
        for record in self._records_since(org_id, start):
            at = _parse(record.timestamp)
            if at >= end:
                continue
            after = record.after or {}
            if record.action == "optimization.completed" and not after.get("dry_run"):
                completion = self._completion(org_id, record, at)
                if completion is not None:
                    completions.append(completion)
            elif record.action == "optimization.failed":
                failed += 1
            elif record.action in ("hibernation.sleep", "hibernation.wake") and not after.get("dry_run"):
                transitions.append(Transition(record.resource_id, at, str(after.get("state", ""))))
        return completions, transitions, failed

    def _completion(self, org_id: str, record: AuditRecord, at: datetime) -> Completion | None:
        after = record.after or {}
        job = self._jobs.get(org_id, str(after.get("job_id", "")))
        if job is None:
            return None
        decision = job.data.get("decision") or {}
        groups = decision.get("groups") or {}
        executed = (after.get("execution") or {}).get("mode") == "agent"
        blocked = list(decision.get("blocked") or [])
        by_hive = sum(1 for b in blocked if (b.get("evidence") or {}).get("flagged"))
        saving = float(groups.get("approved_saving_per_hour") or 0.0) if executed else 0.0
        return Completion(job.job_id, at, saving, blocked=len(blocked), blocked_by_hive=by_hive) \
            if executed or blocked else None

    def _records_since(self, org_id: str, start: datetime) -> Iterator[AuditRecord]:
        """The org's records from ``start`` on, newest first (stops at the first older one)."""
        for record in self._ledger.records(org_id, newest_first=True):
            if _parse(record.timestamp) < start:
                return
            yield record


def _parse(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
