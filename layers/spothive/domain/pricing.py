"""Pool keys, interruption probabilities and risk-adjusted prices (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from spothive.domain.catalog import Catalog

HOURS_PER_MONTH = 730.0
#: Monthly interruption probability assumed for a spot pool nothing is known about.
UNKNOWN_POOL_PROBABILITY = 0.15


def pool_key(zone: str, instance_type: str) -> str:
    """Key of a spot pool in risk maps: ``{zone}:{type}``."""
    return f"{zone}:{instance_type}"


def risk_flag_key(zone: str, instance_type: str) -> str:
    """Key of a cross-tenant risk flag for a pool: ``RISK:{zone}:{type}``."""
    return f"RISK:{zone}:{instance_type}"


def is_flagged(flags: Collection[str], zone: str, instance_type: str) -> bool:
    """True when the pool is flagged (either as ``RISK:{zone}:{type}`` or ``{zone}:{type}``)."""
    return risk_flag_key(zone, instance_type) in flags or pool_key(zone, instance_type) in flags


def interruption_probability(
    catalog: Catalog, instance_type: str, zone: str, pool_risk: Mapping[str, float]
) -> float:
    """Monthly interruption probability of a spot pool: the risk model's value, else the advisor bucket."""
    key = pool_key(zone, instance_type)
    if key in pool_risk:
        return pool_risk[key]
    if instance_type in pool_risk:
        return pool_risk[instance_type]
    entry = catalog.advisor.get(instance_type)
    return entry.interruption_probability if entry is not None else UNKNOWN_POOL_PROBABILITY


@dataclass(frozen=True, slots=True)
class InterruptionCost:
    """What one interruption costs: re-launch time at the node's price plus a fixed disruption cost (USD)."""

    relaunch_minutes: float = 5.0
    disruption_usd: float = 0.0

    def cost(self, price_per_hour: float) -> float:
        """USD lost by one interruption of a node at ``price_per_hour``."""
        return self.relaunch_minutes / 60.0 * price_per_hour + self.disruption_usd


def expected_hourly_cost(price: float, monthly_probability: float, interruption: InterruptionCost) -> float:
    """Price plus the hourly expectation of interruption cost (probability spread over 730 h)."""
    return price + monthly_probability / HOURS_PER_MONTH * interruption.cost(price)
