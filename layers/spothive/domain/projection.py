"""Savings projection: monthly spend now and after a plan (price x 730 h), and after a decided plan's
approved actions (what the dashboard and the preview both show)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from spothive.domain.pricing import HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class SavingsProjection:
    """Monthly spend before and after, the saving and its share of today's spend."""

    monthly_before: float
    monthly_after: float

    @property
    def monthly_savings(self) -> float:
        """USD saved a month."""
        return self.monthly_before - self.monthly_after

    @property
    def savings_pct(self) -> float:
        """Saving as a percentage of today's spend (0 when nothing is spent)."""
        return 100.0 * self.monthly_savings / self.monthly_before if self.monthly_before > 0 else 0.0


def monthly_spend(hourly_prices: Iterable[float]) -> float:
    """Sum of hourly prices x 730 h."""
    return round(sum(hourly_prices) * HOURS_PER_MONTH, 2)


def project_savings(before_per_hour: Iterable[float], after_per_hour: Iterable[float]) -> SavingsProjection:
    """Project monthly spend from the hourly prices of today's nodes and of the plan's nodes."""
    return SavingsProjection(monthly_spend(before_per_hour), monthly_spend(after_per_hour))


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """What a decided plan is worth: spend before and after its **approved** actions only, and how many
    opportunities (atomic groups and Spot replacements) it planned, approved, blocked and skipped."""

    before_per_hour: float
    approved_saving_per_hour: float
    approved: int
    blocked: int
    skipped: int

    @property
    def planned(self) -> int:
        """Every opportunity the plan found: ``approved + blocked + skipped`` by construction."""
        return self.approved + self.blocked + self.skipped

    @property
    def after_per_hour(self) -> float:
        """Hourly spend once the approved actions ran."""
        return round(self.before_per_hour - self.approved_saving_per_hour, 6)

    @property
    def monthly_before(self) -> float:
        """USD a month today."""
        return monthly_spend([self.before_per_hour])

    @property
    def monthly_after(self) -> float:
        """USD a month after the approved actions."""
        return monthly_spend([self.after_per_hour])

    @property
    def monthly_savings(self) -> float:
        """USD a month the approved actions save (to the cent, from the two rounded figures)."""
        return round(self.monthly_before - self.monthly_after, 2)

    def counts(self) -> dict[str, int]:
        """planned, approved, blocked and skipped opportunities."""
        return {"planned": self.planned, "approved": self.approved, "blocked": self.blocked, "skipped": self.skipped}

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the preview's summary and the projection show the same keys)."""
        return {**self.counts(), "cost_before_per_hour": round(self.before_per_hour, 6),
                "cost_after_per_hour": self.after_per_hour,
                "approved_saving_per_hour": round(self.approved_saving_per_hour, 6),
                "monthly_before": self.monthly_before, "monthly_after": self.monthly_after,
                "monthly_savings": self.monthly_savings}


SPOT_REPLACEMENT = "replace_with_spot"


def plan_outcome(before_per_hour: float, decision: Mapping[str, Any]) -> PlanOutcome:
    """The outcome of a stored decision (``approved``/``blocked``/``skipped`` actions and its atomic
    ``groups``): the approved groups' saving plus each approved Spot replacement's saving; one opportunity
    per group and per Spot replacement."""
    groups = decision.get("groups") or {}

    def spot(key: str) -> list[Mapping[str, Any]]:
        return [a for a in decision.get(key) or () if a.get("type") == SPOT_REPLACEMENT]

    approved_spot = spot("approved")
    saving = float(groups.get("approved_saving_per_hour") or 0.0) + sum(
        float((a.get("evidence") or {}).get("saving_per_hour") or 0.0) for a in approved_spot)
    return PlanOutcome(
        before_per_hour=float(before_per_hour),
        approved_saving_per_hour=round(saving, 6),
        approved=int(groups.get("approved") or 0) + len(approved_spot),
        blocked=int(groups.get("blocked") or 0) + len(spot("blocked")),
        skipped=int(groups.get("skipped") or 0) + len(spot("skipped")),
    )


def outcome_of(detected: Mapping[str, Any], decision: Mapping[str, Any]) -> PlanOutcome:
    """A stored plan's outcome: today's spend as detect priced it less the approved actions' saving."""
    before = detected.get("cost_before_per_hour")
    if before is None:  # stored before detect recorded it: the packing plan's own figure
        before = (detected.get("plan") or {}).get("cost_before_per_hour", 0.0)
    return plan_outcome(float(before), decision)


def instances_fingerprint(instances: Iterable[tuple[str, str, str, str]]) -> str:
    """SHA-256 of the running instances a Spot-only plan reads: (id, type, lifecycle, zone) each."""
    body = json.dumps(sorted(list(i) for i in instances), separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()
