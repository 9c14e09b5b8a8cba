"""Spot pool scoring (MOD-SPOT-01): rank (type, zone, capacity type) pools by risk-aware cost."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.pricing import (
    UNKNOWN_POOL_PROBABILITY,
    InterruptionCost,
    expected_hourly_cost,
    is_flagged,
    pool_key,
)


@dataclass(frozen=True, slots=True)
class PodRequirements:
    """What one replica needs and how many replicas the workload runs."""

    cpu_m: int
    memory_mib: int
    gpu: int = 0
    replicas: int = 1
    arch: str | None = None
    zones: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SpotPolicy:
    """How pools are scored: ``expected_cost`` (price + risk x interruption cost) or ``weighted``."""

    method: str = "expected_cost"
    interruption: InterruptionCost = field(default_factory=InterruptionCost)
    price_weight: float = 0.6
    risk_weight: float = 0.4
    max_pool_share: float = 0.5
    max_interruption_probability: float = 0.2
    families: frozenset[str] = frozenset()
    include_on_demand: bool = True


@dataclass(frozen=True, slots=True)
class RankedPool:
    """One candidate pool with its score (lower is better) and a readable reason."""

    instance_type: str
    zone: str
    capacity_type: str
    price_per_hour: float
    replicas_per_node: int
    cost_per_replica_hour: float
    interruption_probability: float
    score: float
    reason: str

    @property
    def key(self) -> str:
        """``{zone}:{type}`` (the risk-map key)."""
        return pool_key(self.zone, self.instance_type)


def replicas_per_node(itype: InstanceType, req: PodRequirements) -> int:
    """How many replicas fit one node of ``itype`` (0 when none does)."""
    limits = [itype.max_pods]
    if req.cpu_m > 0:
        limits.append(itype.alloc_cpu_m // req.cpu_m)
    if req.memory_mib > 0:
        limits.append(itype.alloc_memory_mib // req.memory_mib)
    if req.gpu > 0:
        limits.append(itype.gpus // req.gpu)
    elif itype.gpus > 0:
        return 0
    return max(0, min(limits))


def rank_pools(
    req: PodRequirements,
    catalog: Catalog,
    interruption_probability: Mapping[str, float],
    flagged: Collection[str],
    policy: SpotPolicy | None = None,
) -> list[RankedPool]:
    """Pools best first; flagged and over-risk spot pools left out; on-demand pools follow as fallback.

    ``interruption_probability`` maps ``{zone}:{type}`` (or a bare type) to a monthly probability; missing
    pools use the Spot Advisor bucket, then a conservative default. ``flagged`` holds ``RISK:{zone}:{type}``.
    """
    policy = policy or SpotPolicy()
    spot: list[tuple[InstanceType, str, float, float, int]] = []
    on_demand: list[tuple[InstanceType, int]] = []
    for itype in catalog.types.values():
        if policy.families and itype.family not in policy.families:
            continue
        if req.arch is not None and itype.arch != req.arch:
            continue
        per_node = replicas_per_node(itype, req)
        if per_node == 0:
            continue
        for zone, price in catalog.spot_zones(itype.name):
            if (req.zones and zone not in req.zones) or is_flagged(flagged, zone, itype.name):
                continue
            prob = interruption_probability.get(
                pool_key(zone, itype.name), interruption_probability.get(itype.name)
            )
            if prob is None:
                entry = catalog.advisor.get(itype.name)
                prob = entry.interruption_probability if entry else UNKNOWN_POOL_PROBABILITY
            if prob > policy.max_interruption_probability:
                continue
            spot.append((itype, zone, price, prob, per_node))
        if policy.include_on_demand and itype.ondemand_price is not None:
            on_demand.append((itype, per_node))
    ranked = [_score_spot(t, z, p, q, n, req, policy, spot) for t, z, p, q, n in spot]
    ranked.sort(key=lambda r: (r.score, r.instance_type, r.zone))
    ods = []
    for itype, per_node in on_demand:
        price = itype.ondemand_price or 0.0
        per_replica = price / min(per_node, max(req.replicas, 1))
        zone = sorted(req.zones)[0] if req.zones else ""
        ods.append(
            RankedPool(
                itype.name,
                zone,
                "on-demand",
                price,
                per_node,
                per_replica,
                0.0,
                per_replica,
                f"on-demand fallback: {itype.name} at ${price:.4f}/h, no interruption risk",
            )
        )
    ods.sort(key=lambda r: (r.score, r.instance_type))
    return ranked + ods


def _score_spot(
    itype: InstanceType,
    zone: str,
    price: float,
    prob: float,
    per_node: int,
    req: PodRequirements,
    policy: SpotPolicy,
    all_pools: Sequence[tuple[InstanceType, str, float, float, int]],
) -> RankedPool:
    used = min(per_node, max(req.replicas, 1))
    per_replica = price / used
    expected = expected_hourly_cost(price, prob, policy.interruption) / used
    if policy.method == "weighted":
        costs = [p / min(n, max(req.replicas, 1)) for _, _, p, _, n in all_pools]
        lo, hi = min(costs), max(costs)
        norm_price = (per_replica - lo) / (hi - lo) if hi > lo else 0.0
        score = policy.price_weight * norm_price + policy.risk_weight * prob
        reason = (
            f"spot {itype.name} in {zone}: price score {norm_price:.2f}x{policy.price_weight} + "
            f"risk {prob:.2f}x{policy.risk_weight} = {score:.3f}"
        )
    else:
        score = expected
        reason = (
            f"spot {itype.name} in {zone}: ${per_replica:.4f}/replica-h + {prob:.0%}/month interruption "
            f"risk → ${expected:.4f}/replica-h expected"
        )
    return RankedPool(itype.name, zone, "spot", price, per_node, per_replica, prob, score, reason)


def diversify(
    ranking: Sequence[RankedPool], nodes: int, max_pool_share: float = 0.5
) -> list[tuple[RankedPool, int]]:
    """Spread ``nodes`` over the best pools, at most ``max_pool_share`` each when two or more pools exist.

    Fallback order follows the ranking, which puts the same type in other zones and other families before
    on-demand whenever they are cheaper after risk.
    """
    spot = [r for r in ranking if r.capacity_type == "spot"]
    if not spot:
        return [(ranking[0], nodes)] if ranking and nodes else []
    cap = nodes if len(spot) < 2 else max(1, math.ceil(max_pool_share * nodes))
    out: list[tuple[RankedPool, int]] = []
    left = nodes
    for pool in spot:
        if left <= 0:
            break
        take = min(cap, left)
        out.append((pool, take))
        left -= take
    if left > 0:
        od = next((r for r in ranking if r.capacity_type == "on-demand"), None)
        if od is not None:
            out.append((od, left))
    return out


def fallback_order(ranking: Sequence[RankedPool], blocked: RankedPool) -> list[RankedPool]:
    """Alternatives to a blocked pool: same type other zone, then other families, then on-demand."""
    same_type = [
        r
        for r in ranking
        if r.capacity_type == "spot" and r.instance_type == blocked.instance_type and r.zone != blocked.zone
    ]
    others = [r for r in ranking if r.capacity_type == "spot" and r.instance_type != blocked.instance_type]
    od = [r for r in ranking if r.capacity_type == "on-demand"]
    return same_type + others + od
