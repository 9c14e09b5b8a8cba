"""Savings projection: monthly spend now and after a plan (price x 730 h)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
