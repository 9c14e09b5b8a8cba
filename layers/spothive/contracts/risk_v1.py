"""Interruption-risk model contract v1.0 (pydantic v2; no ML dependencies).

Input::

    {"contract_version": "v1.0",
     "features": {"instance_type": "c5.xlarge", "availability_zone": "us-east-1a",
                  "spot_price_history": [0.45, 0.42, 0.48], "hour_of_day": 14, "day_of_week": 2}}

Optional known-context fields inside ``features`` (omit when unknown; anything else is rejected so a
misspelt field is reported, never silently ignored):

- ``region``: AWS region; must agree with ``availability_zone`` when both are given.
- ``on_demand_price``: On-Demand USD/hour of the type in that region (> 0).
- ``advisor_bucket``: latest Spot Advisor bucket 0..4 (0: <5 %, 1: 5-10 %, 2: 10-15 %, 3: 15-20 %, 4: >20 %).
- ``placement_score``: Spot Placement Score 1..10.
- ``live_interruptions``: interruptions of this pool the hive mind saw in its 30-minute window (>= 0).
- ``horizon_days``: how far ahead the forecast looks, 1..1826 days (default 30, the next monthly look).

``availability_zone`` is an AZ name (``us-east-1a``) or AZ ID (``use1-az4``); ``day_of_week`` is 0 = Monday.

Output: ``prediction_id``, ``interruption_probability`` (0-1), ``confidence_score`` (0-1),
``recommended_action`` (SAFE when p < 0.2, CAUTION when 0.2 <= p <= 0.5, AVOID when p > 0.5), and
optionally ``expected_bucket`` (0-4), ``source`` (``model:<version>`` or ``heuristic``) and ``reason``.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from spothive.domain.instance_names import parse_instance_type

CONTRACT_VERSION = "v1.0"
#: p below this is SAFE; p equal to it is CAUTION.
SAFE_BELOW = 0.2
#: p above this is AVOID; p equal to it is still CAUTION.
AVOID_ABOVE = 0.5
#: Forecast horizon when a request names none: the next monthly Advisor look.
DEFAULT_HORIZON_DAYS = 30

_AZ_ID = re.compile(r"^(?P<geo>[a-z]{2})(?P<dir>ne|nw|se|sw|n|s|e|w|c)(?P<num>\d+)-az\d+$")
_AZ_NAME = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)(?:-[a-z]+-\d+)?[a-z]$")
_DIRECTIONS = {
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "c": "central",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
}


@lru_cache(maxsize=4096)
def region_of_zone(zone: str) -> str | None:
    """Region of an AZ ID (``use1-az4``) or AZ name (``us-east-1a``, ``us-east-1-bos-1a``); else ``None``."""
    zone = zone.strip().lower()
    if match := _AZ_ID.match(zone):
        return f"{match['geo']}-{_DIRECTIONS[match['dir']]}-{match['num']}"
    if match := _AZ_NAME.match(zone):
        return match["region"]
    return None


class RecommendedAction(StrEnum):
    """What the optimizer should do with the pool."""

    SAFE = "SAFE"
    CAUTION = "CAUTION"
    AVOID = "AVOID"


def recommended_action(probability: float) -> RecommendedAction:
    """SAFE below 0.2, AVOID above 0.5, CAUTION from 0.2 to 0.5 inclusive."""
    if probability < SAFE_BELOW:
        return RecommendedAction.SAFE
    if probability > AVOID_ABOVE:
        return RecommendedAction.AVOID
    return RecommendedAction.CAUTION


class RiskFeatures(BaseModel):
    """The pool and what the caller knows about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instance_type: str = Field(min_length=3, max_length=64)
    availability_zone: str = Field(min_length=3, max_length=64)
    spot_price_history: list[float] = Field(min_length=1, max_length=10_000)
    hour_of_day: int = Field(ge=0, le=23, strict=True)
    day_of_week: int = Field(ge=0, le=6, strict=True)
    region: str | None = Field(default=None, max_length=32)
    on_demand_price: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    advisor_bucket: int | None = Field(default=None, ge=0, le=4, strict=True)
    placement_score: float | None = Field(default=None, ge=1, le=10, allow_inf_nan=False)
    live_interruptions: int | None = Field(default=None, ge=0, strict=True)
    horizon_days: int = Field(default=DEFAULT_HORIZON_DAYS, ge=1, le=1826, strict=True)

    @field_validator("instance_type")
    @classmethod
    def _known_shape(cls, value: str) -> str:
        parse_instance_type(value)
        return value.strip().lower()

    @field_validator("availability_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if region_of_zone(value) is None:
            raise ValueError(f"not an availability zone name or ID: {value!r}")
        return value.strip().lower()

    @field_validator("spot_price_history")
    @classmethod
    def _prices(cls, values: list[float]) -> list[float]:
        for index, price in enumerate(values):
            if not math.isfinite(price) or price <= 0:
                raise ValueError(f"price at index {index} must be a positive finite number, got {price!r}")
        return values

    @model_validator(mode="after")
    def _region_matches_zone(self) -> RiskFeatures:
        if self.region is not None and self.region != region_of_zone(self.availability_zone):
            raise ValueError(f"region {self.region!r} does not contain zone {self.availability_zone!r}")
        return self

    @property
    def pool_region(self) -> str:
        """The region, from ``region`` or derived from the zone."""
        return self.region or region_of_zone(self.availability_zone) or ""


class RiskInput(BaseModel):
    """A v1.0 prediction request for one pool."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract_version: Literal["v1.0"]
    features: RiskFeatures


class RiskOutput(BaseModel):
    """A v1.0 prediction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prediction_id: str = Field(min_length=1, max_length=128)
    interruption_probability: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    confidence_score: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    recommended_action: RecommendedAction
    expected_bucket: float | None = Field(default=None, ge=0.0, le=4.0, allow_inf_nan=False)
    source: str | None = Field(default=None, pattern=r"^(model:.+|heuristic)$")
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _action_matches(self) -> RiskOutput:
        expected = recommended_action(self.interruption_probability)
        if self.recommended_action != expected:
            raise ValueError(
                f"recommended_action {self.recommended_action.value} does not match probability "
                f"{self.interruption_probability} (expected {expected.value})"
            )
        return self


def error_fields(exc: Exception) -> list[str]:
    """Dotted field paths named by a pydantic ``ValidationError`` (``features.hour_of_day``)."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return []
    return [".".join(str(part) for part in error["loc"]) or "body" for error in errors()]


def decision_margin(probability: float) -> float:
    """Distance from ``probability`` to the nearest action boundary (0.2 or 0.5), scaled to 0..1.

    The scale is the widest distance possible inside the action's own range: 0.2 for SAFE, 0.15 for
    CAUTION and 0.5 for AVOID, so 0 means "on a boundary" and 1 means "as far from one as it gets".
    """
    p = min(max(probability, 0.0), 1.0)
    if p < SAFE_BELOW:
        return (SAFE_BELOW - p) / SAFE_BELOW
    if p > AVOID_ABOVE:
        return (p - AVOID_ABOVE) / (1.0 - AVOID_ABOVE)
    half_width = (AVOID_ABOVE - SAFE_BELOW) / 2
    return min(p - SAFE_BELOW, AVOID_ABOVE - p) / half_width


def horizon_confidence(horizon_days: float, validated_days: float) -> float:
    """``1 / (1 + 0.25 * |log2(horizon / validated)|)``: 1 at the horizon the model was validated for,
    0.5 at 16 times shorter or longer. Forecasts at other horizons are extrapolated, not measured."""
    if horizon_days <= 0 or validated_days <= 0:
        return 0.0
    return 1.0 / (1.0 + 0.25 * abs(math.log2(horizon_days / validated_days)))


def confidence_score(
    probability: float, coverage: float, horizon_factor: float = 1.0, familiarity: float = 1.0
) -> float:
    """``coverage * familiarity * horizon_factor * (0.5 + 0.5 * decision_margin(p))``, rounded to 4 places.

    ``coverage`` (0..1) is the share of the predictor's inputs that were known rather than imputed;
    ``familiarity`` (0..1) the share of the known inputs inside the range the model was trained on (its
    distance to the training data); ``horizon_factor`` (0..1) is :func:`horizon_confidence`. The last two
    default to 1, which gives the v1.0 formula.
    """
    factors = [min(max(x, 0.0), 1.0) for x in (coverage, familiarity, horizon_factor)]
    return round(factors[0] * factors[1] * factors[2] * (0.5 + 0.5 * decision_margin(probability)), 4)
