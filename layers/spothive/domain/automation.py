"""Automation (WORK-OPT-01): which job a cluster's policy mode starts, and the savings threshold that keeps
``auto`` from churning a cluster for pennies.

Disruption cost of an action (or an atomic group of actions) is what carrying it out costs beyond the bill:

    cost = pods evicted * ``EVICTION_COST_USD`` + nodes churned (launched or retired) * ``NODE_CHURN_COST_USD``

An eviction restarts a pod (cold caches, a rolling re-warm, retried requests); a churned node is the
overlap while a replacement boots and the old node drains, both billed, plus image pulls. The action pays
for itself when its saving over the policy's payback window exceeds that cost: ``payback = cost / daily
saving``, and it runs automatically only if ``payback <= payback_days`` and it saves at least
``min_monthly_saving_usd`` a month. Adding capacity for pending pods is not a saving and is never held;
nor is a risk move out of a pool the hive mind flags (stability over savings: it may cost more than it saves).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from spothive.domain.action_groups import ActionGroup, GroupDecision
from spothive.domain.errors import InvalidInput
from spothive.domain.execution import HOURS_PER_MONTH

if TYPE_CHECKING:  # the planner behind decisions is not needed to start jobs (the automation worker)
    from spothive.domain.decisions import Action, ActionPlan

#: What one pod eviction costs (a restart: cold caches, re-warm, retried requests), in USD.
EVICTION_COST_USD = 0.25
#: What one launched or retired node costs beyond its price (boot/drain overlap billed twice, image pulls).
NODE_CHURN_COST_USD = 1.00
#: Pods assumed on a node whose pods are not known (a cluster without a snapshot): a small node's worth.
UNKNOWN_PODS_PER_NODE = 8
#: Nodes a Spot replacement churns: the new Spot node and the On-Demand node it retires.
SPOT_SWAP_NODES = 2
PAYBACK_DAYS_DEFAULT, PAYBACK_DAYS_MAX = 7, 90
MIN_SAVING_DEFAULT, MIN_SAVING_MAX = 5.0, 100_000.0
#: The actor of every automated start in the audit ledger.
AUTOMATION_ACTOR = "system:automation"
#: A preview (or execution) of an unchanged snapshot younger than this is not repeated.
FRESH_FOR = timedelta(hours=24)
#: After a job of a kind failed, automation starts no other of that kind for this long (whatever the snapshot:
#: a rolled-back wave changes it), so a failing execution is not retried after every discovery scan.
RETRY_AFTER_FAILURE = timedelta(hours=1)
#: Automation starts at most one job of a kind per cluster in this window, even for a changed snapshot: a
#: busy cluster's snapshot changes with every pod, and discovery (every 5 min) triggers automation too, so
#: without it a cluster would get a new preview every scan (the hourly cadence the policy promises).
MIN_INTERVAL = timedelta(hours=1)
#: A job still ``running`` with no update for this long is stale: its execution is dead (timed out, aborted,
#: lost). The optimization state machine has no whole-run timeout (waves are unbounded in number, and an
#: execution-level timeout cannot be caught, so it would skip the wave rollback); instead every step bounds
#: the quiet between two job updates: each wave updates the job as it registers a task-token wait (at most
#: ``SPOTHIVE_EXECUTION_READY/DRAIN_TIMEOUT_SECONDS``, 900 s) and each Lambda step is at most 300 s times its
#: retries — under 1.5 h in all (``tests/unit/engine/test_automation_stale.py`` derives it from the ASL and
#: the topology). Six hours leaves a wide margin, so a live execution is never taken for a dead one.
STALE_AFTER = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Threshold:
    """When an automated action is worth its disruption: pays back within ``payback_days`` and saves at
    least ``min_monthly_saving_usd`` a month."""

    payback_days: int = PAYBACK_DAYS_DEFAULT
    min_monthly_saving_usd: float = MIN_SAVING_DEFAULT

    def to_dict(self) -> dict[str, float | int]:
        """The JSON form (policy documents, job data)."""
        return {"payback_days": self.payback_days, "min_monthly_saving_usd": self.min_monthly_saving_usd}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> Threshold:
        """The threshold stored by :meth:`to_dict` (defaults for what is missing)."""
        raw = raw or {}
        return cls(int(raw.get("payback_days", PAYBACK_DAYS_DEFAULT)),
                   float(raw.get("min_monthly_saving_usd", MIN_SAVING_DEFAULT)))


def validate_threshold(payback_days: int, min_monthly_saving_usd: float) -> Threshold:
    """The threshold, or ``InvalidInput`` naming the bad field."""
    if not 1 <= payback_days <= PAYBACK_DAYS_MAX:
        raise InvalidInput(f"payback_days must be 1 to {PAYBACK_DAYS_MAX}", field="payback_days")
    if not (math.isfinite(min_monthly_saving_usd) and 0 <= min_monthly_saving_usd <= MIN_SAVING_MAX):
        raise InvalidInput(f"min_monthly_saving_usd must be 0 to {MIN_SAVING_MAX:,.0f}",
                           field="min_monthly_saving_usd")
    return Threshold(payback_days, round(float(min_monthly_saving_usd), 2))


@dataclass(frozen=True, slots=True)
class Economics:
    """What an action saves against what it disrupts."""

    saving_per_hour: float
    pods: int
    nodes: int
    pods_assumed: bool = False

    @property
    def saving_per_month(self) -> float:
        """The saving over a 730-hour month."""
        return self.saving_per_hour * HOURS_PER_MONTH

    @property
    def cost(self) -> float:
        """The disruption cost in USD (see the module doc)."""
        return self.pods * EVICTION_COST_USD + self.nodes * NODE_CHURN_COST_USD

    @property
    def payback_days(self) -> float | None:
        """Days of saving that pay the disruption back (``None``: it never pays back)."""
        if self.saving_per_hour <= 0:
            return None
        return self.cost / (self.saving_per_hour * 24)

    def sentence(self) -> str:
        """``saves $71.54/month, disruption cost $4.00 — pays back in 2 days``."""
        days = self.payback_days
        pays = ("never pays back" if days is None else "pays back at once" if days == 0
                else f"pays back in {_days(days)}")
        assumed = f" ({self.pods} pods assumed: no snapshot)" if self.pods_assumed else ""
        return (f"saves ${self.saving_per_month:,.2f}/month, disruption cost ${self.cost:,.2f}{assumed} — {pays}")

    def held_by(self, threshold: Threshold) -> str | None:
        """Why ``threshold`` holds this back (``None``: it runs)."""
        days = self.payback_days
        if days is None or days > threshold.payback_days:
            return f"does not pay back within the policy's {_days(threshold.payback_days)}"
        if self.saving_per_month < threshold.min_monthly_saving_usd:
            return f"saves less than the policy's ${threshold.min_monthly_saving_usd:,.2f}/month"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The evidence form."""
        days = self.payback_days
        return {"saving_per_month": round(self.saving_per_month, 2), "disruption_cost": round(self.cost, 2),
                "pods_evicted": self.pods, "nodes_churned": self.nodes, "pods_assumed": self.pods_assumed,
                "payback_days": None if days is None else round(days, 2)}


def _days(days: float) -> str:
    whole = max(1, math.ceil(days - 1e-9))
    return "1 day" if whole == 1 else f"{whole} days"


def group_economics(group: ActionGroup) -> Economics | None:
    """A consolidation group's economics; ``None`` (never held) for a group that only adds capacity for
    pending pods, or that moves nodes out of a flagged pool (a risk move is not made for its saving)."""
    if group.evidence.get("risk_move"):
        return None
    removed = list(group.evidence.get("removed", ()))
    added = list(group.evidence.get("added", ()))
    if not removed and int(group.evidence.get("pods_moved", 0)) == 0:
        return None
    return Economics(group.saving_per_hour, int(group.evidence.get("pods_moved", 0)), len(removed) + len(added))


def spot_economics(action: Action, pods_by_node: Mapping[str, int] | None) -> Economics:
    """A Spot replacement's economics: the pods on the node (assumed when unknown) and two nodes churned."""
    saving = float(action.evidence.get("saving_per_hour", 0.0))
    if pods_by_node is None:
        return Economics(saving, UNKNOWN_PODS_PER_NODE, SPOT_SWAP_NODES, pods_assumed=True)
    return Economics(saving, int(pods_by_node.get(action.target, 0)), SPOT_SWAP_NODES)


@dataclass(frozen=True, slots=True)
class Thresholded:
    """The decision after the threshold: what still runs, what is held back (and why), the groups."""

    actions: tuple[Action, ...]
    held: tuple[Action, ...]
    groups: GroupDecision | None
    economics: dict[str, dict[str, Any]] = field(default_factory=dict)


def apply_threshold(decided: ActionPlan, threshold: Threshold,
                    pods_by_node: Mapping[str, int] | None = None) -> Thresholded:
    """Hold back every approved group and Spot replacement below ``threshold``; every approved action's
    reason states its economics. Held groups become ``skipped`` (``planned = approved + blocked + skipped``
    still holds); held actions keep their evidence and say why."""
    note: dict[str, tuple[Economics, str | None, str]] = {}  # node → economics, why held, label
    groups = decided.groups
    if groups is not None:
        kept: list[ActionGroup] = []
        skipped = list(groups.skipped)
        for g in groups.approved:
            econ = group_economics(g)
            if econ is None:
                kept.append(g)
                continue
            why = econ.held_by(threshold)
            for node in g.nodes:
                note[node] = (econ, why, f"group {g.id}")
            if why is None:
                kept.append(g)
            else:
                skipped.append((g, f"skipped: {econ.sentence()}; {why}"))
        groups = GroupDecision(tuple(kept), groups.blocked, tuple(skipped))
    actions: list[Action] = []
    held: list[Action] = []
    economics: dict[str, dict[str, Any]] = {}
    for action in decided.actions:
        if action.type == "replace_with_spot":
            econ = spot_economics(action, pods_by_node)
            why, label = econ.held_by(threshold), "this move"
        elif action.target in note:
            econ, why, label = note[action.target]
        else:
            actions.append(action)
            continue
        economics[action.target] = econ.to_dict()
        evidence = {**action.evidence, "economics": econ.to_dict(), "threshold": threshold.to_dict()}
        if why is None:
            actions.append(replace(action, reason=f"{action.reason} ({label} {econ.sentence()})", evidence=evidence))
        else:
            held.append(replace(action, approved=False, evidence=evidence,
                                reason=f"held below the automation threshold: {label} {econ.sentence()}; {why}"))
    return Thresholded(tuple(actions), tuple(held), groups, economics)


# ---- which job a mode starts -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RecentJob:
    """What the mode decision needs of one of the cluster's recent jobs."""

    job_id: str
    running: bool
    succeeded: bool
    dry_run: bool
    fingerprint: str | None
    created_at: datetime
    failed: bool = False  # failed (or failed and compensated)
    updated_at: datetime | None = None  # the job's last write (``None``: its creation)

    def stale(self, now: datetime) -> bool:
        """Still ``running`` but silent for :data:`STALE_AFTER`: its execution is dead."""
        return self.running and now - (self.updated_at or self.created_at) >= STALE_AFTER


@dataclass(frozen=True, slots=True)
class Start:
    """The automation's decision for one cluster: start a job (preview or execution) or not, and why."""

    start: bool
    dry_run: bool
    reason: str


def decide_start(mode: str, recent: list[RecentJob], fingerprint: str, now: datetime,
                 safe_mode: str | None = None, policy_changed_at: datetime | None = None) -> Start:
    """``off`` → nothing; ``recommend`` → a preview; ``auto`` → an execution, or a preview while SAFE_MODE is
    on (``safe_mode`` says why it is). Never while a job runs for the cluster, never again for a snapshot a
    job of the same kind covered within :data:`FRESH_FOR`, at most one of a kind per :data:`MIN_INTERVAL`,
    and not within :data:`RETRY_AFTER_FAILURE` of a
    failed job of the same kind — both counting only jobs since the policy last changed (a changed policy
    can change the plan).

    A :meth:`RecentJob.stale` job blocks nothing: its execution is dead. It is ignored rather than marked
    failed: nothing is written over a record the execution itself owns (a write racing a resumed record
    step would leave either outcome), and the job stays visible as it was left. A stale *execution* may have
    stopped mid-wave (nodes cordoned, replacements launched), so ``auto`` then starts previews only until
    the policy is saved again after it (a person has looked at the cluster)."""
    if mode == "off":
        return Start(False, True, "mode off: automation never plans this cluster")
    if mode not in ("recommend", "auto"):
        return Start(False, True, f"unknown mode {mode!r}: nothing started")
    running = next((j for j in recent if j.running and not j.stale(now)), None)
    if running is not None:
        return Start(False, True, f"job {running.job_id} is still running for the cluster")
    dead = next((j for j in recent if j.stale(now) and not j.dry_run
                 and (policy_changed_at is None or j.created_at >= policy_changed_at)), None)
    dry_run = mode == "recommend" or safe_mode is not None or dead is not None
    if mode == "recommend":
        why = "mode recommend: a preview of what auto would carry out"
    elif safe_mode is not None:
        why = f"mode auto, but SAFE_MODE is on ({safe_mode}): preview only"
    elif dead is not None:
        why = (f"mode auto, but execution {dead.job_id} went stale (no update for "
               f"{STALE_AFTER.total_seconds() / 3600:.0f} h) and may have stopped mid-wave: preview only "
               f"until the policy is saved again")
    else:
        why = "mode auto: carrying out what pays back, within the disruption budget"
    kind = "preview" if dry_run else "execution"
    for job in recent:
        current = policy_changed_at is None or job.created_at >= policy_changed_at
        if job.failed and job.dry_run == dry_run and current and now - job.created_at < RETRY_AFTER_FAILURE:
            return Start(False, dry_run, f"{kind} {job.job_id} failed less than "
                                         f"{RETRY_AFTER_FAILURE.total_seconds() / 3600:.0f} h ago: not retried yet")
        if job.succeeded and job.dry_run == dry_run and job.fingerprint == fingerprint and current \
                and now - job.created_at < FRESH_FOR:
            return Start(False, dry_run, f"{kind} {job.job_id} of the same snapshot is fresh "
                                         f"(less than {FRESH_FOR.total_seconds() / 3600:.0f} h old)")
    for job in recent:
        current = policy_changed_at is None or job.created_at >= policy_changed_at
        if job.succeeded and job.dry_run == dry_run and current and now - job.created_at < MIN_INTERVAL:
            return Start(False, dry_run, f"{kind} {job.job_id} ran less than "
                                         f"{MIN_INTERVAL.total_seconds() / 3600:.0f} h ago: at most one an hour")
    return Start(True, dry_run, why)
