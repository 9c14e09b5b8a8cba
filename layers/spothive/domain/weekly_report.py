"""The weekly report (WORK-RPT-01): one org's week in figures, computed from what the ledger and jobs say.

The week is the seven days ending the Monday 00:00 UTC before the run. Definitions (each figure is
checkable from the audit ledger and the dashboard alone):

* spend — the running fleet's price now (the dashboard's monthly spend) for 168 hours;
* available savings — the dashboard's monthly spend less its projected spend (USD a month);
* realized savings — for every optimization executed through the agent this week, the per-hour saving
  of the actions it approved x the hours from its completion to the end of the week;
* interruptions avoided by the hive mind — actions blocked this week because their Spot pool was
  flagged by the cross-tenant interruption signal;
* hibernation hours — cluster-hours asleep this week (from the real, not dry-run, sleep/wake records;
  a cluster asleep when the week began counts from its start, one still asleep to its end);
* attention — agents offline, actions blocked, optimizations failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WEEK = timedelta(days=7)
HOURS_PER_MONTH = 730
HOURS_PER_WEEK = 168
TOP_ACTIONS = 3


def report_week(now: datetime) -> tuple[datetime, datetime]:
    """(start, end) of the last full week before ``now``: Monday 00:00 UTC to the next Monday 00:00."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end = midnight - timedelta(days=midnight.weekday())
    return end - WEEK, end


@dataclass(frozen=True, slots=True)
class Completion:
    """An optimization executed this week: when it finished and what its approved actions save per hour."""

    job_id: str
    finished_at: datetime
    saving_per_hour: float
    blocked: int = 0
    blocked_by_hive: int = 0


@dataclass(frozen=True, slots=True)
class Transition:
    """A cluster went to sleep (``asleep``) or woke (``awake``) at ``at``."""

    cluster_id: str
    at: datetime
    state: str


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A cluster's savings waiting to be taken (the dashboard's projection)."""

    cluster: str
    monthly_savings: float
    actions: int


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """Everything the e-mail says."""

    org_id: str
    org_name: str
    week_start: datetime
    week_end: datetime
    spend: float
    monthly_spend: float
    available_monthly_savings: float
    realized_savings: float
    optimizations: int
    interruptions_avoided: int
    hibernation_hours: float
    top_actions: list[Opportunity] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)


def realized_savings(completions: Iterable[Completion], start: datetime, end: datetime) -> float:
    """Σ saving per hour x hours between completion (or the week's start) and the week's end, in USD."""
    total = 0.0
    for done in completions:
        since = max(done.finished_at, start)
        if since < end:
            total += done.saving_per_hour * (end - since).total_seconds() / 3600
    return round(total, 2)


def hibernation_hours(transitions: Iterable[Transition], start: datetime, end: datetime) -> float:
    """Cluster-hours asleep within [start, end); a cluster whose first change of the week is a wake slept
    from the start of the week."""
    asleep: dict[str, datetime] = {}
    seen: set[str] = set()
    hours = 0.0
    for change in sorted(transitions, key=lambda t: t.at):
        if not start <= change.at < end:
            continue
        first = change.cluster_id not in seen
        seen.add(change.cluster_id)
        if change.state == "asleep":
            asleep.setdefault(change.cluster_id, change.at)
        elif change.cluster_id in asleep or first:
            hours += (change.at - asleep.pop(change.cluster_id, start)).total_seconds() / 3600
    hours += sum((end - since).total_seconds() / 3600 for since in asleep.values())
    return round(hours, 1)


def weekly_spend(monthly_spend: float) -> float:
    """The dashboard's monthly figure (x 730 h) for one week (168 h)."""
    return round(monthly_spend / HOURS_PER_MONTH * HOURS_PER_WEEK, 2)


def top_actions(opportunities: Sequence[Opportunity], limit: int = TOP_ACTIONS) -> list[Opportunity]:
    """The clusters with the most to save, largest first (none that save nothing)."""
    ranked = sorted((o for o in opportunities if o.monthly_savings > 0), key=lambda o: (-o.monthly_savings, o.cluster))
    return ranked[:limit]


def attention_items(offline: Sequence[str], completions: Sequence[Completion], failed: int) -> list[str]:
    """What needs a person: offline agents, blocked actions, failed optimizations."""
    items = [f"Agent offline on cluster {name}: actions cannot run there until it reconnects" for name in offline]
    blocked = sum(c.blocked for c in completions)
    if blocked:
        items.append(f"{blocked} action{'s' if blocked != 1 else ''} blocked to keep workloads stable "
                     "(see the audit log for each reason)")
    if failed:
        items.append(f"{failed} optimization{'s' if failed != 1 else ''} failed and {'were' if failed != 1 else 'was'} "
                     "rolled back")
    return items
