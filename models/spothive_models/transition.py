"""Score one Advisor transition with the served model and refit its calibration (see ``recalibration``).

The forecast is the one the served model made from the *previous* feed: the model in the previous feed's
context, with its current calibration, at the transition's horizon. The label is the training label,
bucket >= 3 in the *new* feed, for every Linux pool present in both feeds.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from spothive_models.datasets import HIGH_BUCKET
from spothive_models.features import RiskContext
from spothive_models.recalibration import MIN_POOLS, Calibration, RecalibrationResult, recalibrate
from spothive_models.serving import LightGBMRiskModel

Pool = tuple[str, str]


def recalibrate_on_transition(
    model: LightGBMRiskModel,
    previous: RiskContext,
    fresh_buckets: Mapping[Pool, int],
    *,
    horizon_days: float = 1.0,
    min_pools: int = MIN_POOLS,
) -> tuple[RecalibrationResult, Calibration | None]:
    """The fit on this transition and, when fitted, the map to serve: the current one followed by the fit."""
    pools = sorted(set(previous.buckets) & set(fresh_buckets))
    forecast = model.with_context(previous).pool_probabilities(pools, horizon_days)
    labels = np.array([fresh_buckets[pool] >= HIGH_BUCKET for pool in pools], dtype=float)
    result = recalibrate(forecast, labels, min_pools=min_pools)
    if result.calibration is None:
        return result, None
    return result, model.calibration.then(result.calibration)
