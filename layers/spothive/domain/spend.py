"""What running instances cost, and what moving eligible On-Demand nodes to Spot would save.

The Spot-only projection is the dashboard's estimate while no pod snapshot of a cluster is known:
without pods SpotHive cannot re-pack, so it only prices the same instance type as Spot in the
cheapest pool whose Spot Advisor bucket is acceptable and which no tenant has flagged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from spothive.domain.catalog import Catalog
from spothive.domain.pricing import HOURS_PER_MONTH, is_flagged

#: Advisor bucket at or above which a pool is too unstable for an automatic move (>15 %/month).
MAX_SAFE_BUCKET = 2


@dataclass(frozen=True, slots=True)
class PricedNode:
    """A running instance and its hourly price (``None`` when the catalog does not know the type)."""

    instance_id: str
    instance_type: str
    lifecycle: str
    zone: str
    hourly: float | None


@dataclass(frozen=True, slots=True)
class SpotMove:
    """One On-Demand node that could run as Spot, and why."""

    instance_id: str
    instance_type: str
    zone: str
    on_demand_hourly: float
    spot_hourly: float
    reason: str


@dataclass(frozen=True, slots=True)
class Spend:
    """Monthly spend of a set of nodes, and how many could not be priced."""

    hourly: float
    unpriced: int

    @property
    def monthly(self) -> float:
        """Hourly x 730, rounded to cents."""
        return round(self.hourly * HOURS_PER_MONTH, 2)


def price_nodes(catalog: Catalog, nodes: Iterable[tuple[str, str, str, str]]) -> list[PricedNode]:
    """Price ``(instance_id, type, lifecycle, zone)`` tuples: Spot in its zone, else On-Demand."""
    return [PricedNode(i, t, lc, z, catalog.price(t, lc, z or None)) for i, t, lc, z in nodes]


def total(nodes: Iterable[PricedNode]) -> Spend:
    """The spend of priced nodes."""
    hourly, unpriced = 0.0, 0
    for node in nodes:
        if node.hourly is None:
            unpriced += 1
        else:
            hourly += node.hourly
    return Spend(round(hourly, 6), unpriced)


def spot_moves(catalog: Catalog, nodes: Iterable[PricedNode], flags: Collection[str] = ()) -> list[SpotMove]:
    """On-Demand nodes with a cheaper, acceptable and unflagged Spot pool of the same type."""
    return spot_opportunities(catalog, nodes, flags)[0]


def spot_opportunities(
    catalog: Catalog, nodes: Iterable[PricedNode], flags: Collection[str] = ()
) -> tuple[list[SpotMove], list[dict[str, Any]]]:
    """(moves, skipped): On-Demand nodes with a cheaper, acceptable and unflagged Spot pool of the same type,
    and those whose cheaper Spot pool is too unstable (Spot Advisor bucket above ``MAX_SAFE_BUCKET``), each
    skipped with its reason and evidence."""
    moves: list[SpotMove] = []
    skipped: list[dict[str, Any]] = []
    for node in nodes:
        if node.lifecycle == "spot" or node.hourly is None:
            continue
        advisor = catalog.advisor.get(node.instance_type)
        pools = [(z, p) for z, p in catalog.spot_zones(node.instance_type) if not is_flagged(flags, z, node.instance_type)]
        if pools:
            zone, spot = pools[0]
        else:
            spot_any = catalog.price(node.instance_type, "spot", None)
            if spot_any is None or spot_any >= node.hourly:
                continue
            zone, spot = node.zone, spot_any
        if spot >= node.hourly:
            continue
        if advisor is not None and advisor.bucket > MAX_SAFE_BUCKET:
            saving = round(node.hourly - spot, 6)
            skipped.append({
                "node": node.instance_id, "instance_type": node.instance_type, "zone": zone,
                "saving_per_hour": saving,
                "reason": f"skipped: Spot Advisor bucket {advisor.bucket} of {node.instance_type} is above the "
                          f"safe maximum {MAX_SAFE_BUCKET} (would save ${saving:.4f}/h)",
                "evidence": {"instance_type": node.instance_type, "zone": zone, "saving_per_hour": saving,
                             "advisor_bucket": advisor.bucket, "max_safe_bucket": MAX_SAFE_BUCKET}})
            continue
        bucket = f"advisor bucket {advisor.bucket}" if advisor else "no advisor data"
        moves.append(SpotMove(
            node.instance_id, node.instance_type, zone, node.hourly, spot,
            f"{node.instance_type} Spot in {zone} at ${spot:.4f}/h vs ${node.hourly:.4f}/h On-Demand ({bucket})",
        ))
    return moves, skipped


def after_spot_moves(nodes: list[PricedNode], moves: list[SpotMove]) -> Spend:
    """Spend once every move is made."""
    by_id = {m.instance_id: m.spot_hourly for m in moves}
    moved = [
        PricedNode(n.instance_id, n.instance_type, "spot", n.zone, by_id[n.instance_id])
        if n.instance_id in by_id else n
        for n in nodes
    ]
    return total(moved)
