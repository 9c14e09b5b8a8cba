"""Risk of the pools a plan targets: the v1.0 risk model per pool and the hive mind's live flags."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from spothive.contracts.risk_v1 import RiskFeatures, RiskInput
from spothive.domain.catalog import Catalog
from spothive.domain.pricing import interruption_probability, pool_key
from spothive.domain.risk_signals import WARN_PROBABILITY_FLOOR, FlagLevel
from spothive.ports.risk import RiskModel
from spothive.services.hive_mind import FlagLookup, HiveMind

LOG = logging.getLogger(__name__)


def risk_input(catalog: Catalog, zone: str, instance_type: str, now: datetime) -> RiskInput | None:
    """The v1.0 request for one pool, from the catalog's prices and advisor bucket (``None`` if unpriced)."""
    spot = catalog.price(instance_type, "spot", zone)
    itype = catalog.get(instance_type)
    on_demand = itype.ondemand_price if itype is not None else None
    history = [p for p in (spot, on_demand) if p][:1]
    if not history:
        return None
    advisor = catalog.advisor.get(instance_type)
    try:
        return RiskInput(contract_version="v1.0", features=RiskFeatures(
            instance_type=instance_type, availability_zone=zone, spot_price_history=history,
            hour_of_day=now.hour, day_of_week=now.weekday(), on_demand_price=on_demand,
            advisor_bucket=advisor.bucket if advisor is not None else None,
        ))
    except ValueError:
        return None


def score_pools(
    pools: Sequence[tuple[str, str]], catalog: Catalog, model: RiskModel, hive: HiveMind | None, now: datetime
) -> dict[str, Any]:
    """``{"probabilities": {zone:type: p}, "flagged": [RISK:…], "flags": {key: level}, "flag_details": {key:
    PoolFlag.as_dict()}, "degraded", "reason", "model"}``. DANGER flags block a pool; WARN flags floor its probability. A model failure falls back to
    the advisor bucket, the cache down to the model alone; both say so."""
    reasons: list[str] = []
    probabilities: dict[str, float] = {}
    requests = [(pool, risk_input(catalog, pool[0], pool[1], now)) for pool in pools]
    batch = [r for _, r in requests if r is not None]
    outputs: list[float] = []
    if batch:
        try:
            outputs = [o.interruption_probability for o in model.predict(batch)]
        except Exception as exc:  # the model is optional for safety: fall back to the advisor bucket
            LOG.warning("risk model failed, using advisor buckets: %s", exc)
            reasons.append(f"risk model unavailable ({type(exc).__name__}): advisor buckets used")
    scored = iter(outputs)
    for (zone, itype), request in requests:
        value = next(scored, None) if request is not None and outputs else None
        if value is None:
            value = interruption_probability(catalog, itype, zone, {})
        probabilities[pool_key(zone, itype)] = round(float(value), 4)
    lookup = hive.lookup(list(pools)) if hive is not None else FlagLookup()  # no hive mind wired: no flags
    if lookup.degraded and lookup.reason:
        reasons.append(lookup.reason)
    flagged: list[str] = []
    levels: dict[str, str] = {}
    details: dict[str, dict[str, Any]] = {}
    for key, flag in lookup.flags.items():
        levels[key] = flag.level.value
        details[key] = flag.as_dict()
        if flag.level is FlagLevel.DANGER:
            flagged.append(key)
        else:
            pk = pool_key(flag.zone, flag.instance_type)
            probabilities[pk] = max(probabilities.get(pk, 0.0), WARN_PROBABILITY_FLOOR)
    return {"probabilities": probabilities, "flagged": sorted(flagged), "flags": levels, "flag_details": details,
            "degraded": lookup.degraded or bool(reasons), "reason": "; ".join(reasons) or None,
            "model": getattr(model, "version", "unknown")}
