"""Risk: the interruption-risk model (hot-swappable), the hive mind, and the Spot Advisor ingest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from spothive import settings
from spothive.domain.advisor_feed import Rate
from spothive.settings import AdvisorSettings, HiveSettings, MarketSettings, ModelSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.aws.calibration_store import S3CalibrationStore
    from spothive.adapters.aws.model_store import S3ModelStore
    from spothive.adapters.cache.model_events import RedisModelEvents
    from spothive.contracts.risk_v1 import RiskInput, RiskOutput
    from spothive.ports.risk import RiskModel
    from spothive.services.advisor_ingest import AdvisorIngest
    from spothive.services.hive_mind import HiveMind
    from spothive.services.market_recorder import MarketRecorder
    from spothive.services.model_lab import RiskModelHolder
    from spothive.services.model_recalibration import FollowedModel, ModelRecalibration
    from spothive.services.pool_choice import PoolChoice

LOG = logging.getLogger(__name__)


@component
def hive_mind() -> HiveMind:
    """Cross-tenant interruption signals in Redis, confirmed against SpotHive's own inventory."""
    from spothive.adapters.cache.interruption_history import RedisInterruptionHistory
    from spothive.adapters.cache.risk_tracker import RedisRiskTracker
    from spothive.adapters.dynamo.instance_locator import DynamoInstanceLocator
    from spothive.services.hive_mind import HiveMind

    s = settings.load(HiveSettings)
    kernel.core()
    return HiveMind(RedisRiskTracker(kernel.cache()), kernel.clock(), locator=DynamoInstanceLocator(),
                    ttl_seconds=s.risk_flag_ttl_seconds, window_seconds=s.risk_window_seconds,
                    history=RedisInterruptionHistory(kernel.cache()))


@component
def pool_choice() -> PoolChoice:
    """The pool choice every plan goes through: the Advisor-bucket heuristic (no LightGBM in the API
    functions, and the projection must match the preview) with the hive mind's flags and held pools."""
    from spothive.adapters.cache.pool_watch import RedisPoolWatchStore
    from spothive.services.pool_choice import PoolChoice
    from spothive.services.risk_heuristic import HeuristicRiskModel

    return PoolChoice(HeuristicRiskModel(), hive_mind(), kernel.clock(), RedisPoolWatchStore(kernel.cache()))


@component
def model_store() -> S3ModelStore:
    """Uploaded and promoted model artifacts."""
    from spothive.adapters.aws.model_store import S3ModelStore

    return S3ModelStore(settings.load(ModelSettings).model_bucket, kernel.core().region)


@component
def model_events() -> RedisModelEvents:
    """The ``models:production`` announcements."""
    from spothive.adapters.cache.model_events import RedisModelEvents

    return RedisModelEvents(kernel.cache())


def hot_swappable(initial: RiskModel, *, listen: bool = True) -> RiskModelHolder:
    """Wrap ``initial`` so a ``models:production`` announcement swaps it in place (catching up first with
    the last announcement); without Redis it just serves ``initial``."""
    from spothive.adapters.aws.model_loader import S3ModelLoader
    from spothive.adapters.cache.model_events import ModelEventListener
    from spothive.services.model_lab import RiskModelHolder
    from spothive.services.risk_heuristic import FallbackRiskModel

    loader = S3ModelLoader(model_store())
    # an announced model that fails at scoring time answers through the heuristic, saying why
    holder = RiskModelHolder(initial, lambda record: FallbackRiskModel(loader(record)))
    current = model_events().current()
    if current is not None and current.version != initial.version:
        holder.on_production(current)
    if listen:
        try:
            ModelEventListener(kernel.cache(), holder.on_production).start()
        except Exception as exc:  # the cache being down must not stop serving
            LOG.warning("model hot-swap listener not started: %s", exc)
    return holder


@component
def risk_model() -> RiskModelHolder | FollowedModel:
    """The process's hot-swappable risk model (the shipped artifact, else the heuristic), following its
    calibration where a model bucket is configured."""
    from spothive.services.risk_heuristic import FallbackRiskModel

    try:
        from spothive_models.serving import LightGBMRiskModel

        initial: RiskModel = FallbackRiskModel(LightGBMRiskModel.from_artifact())
    except Exception:
        initial = FallbackRiskModel(None)
    holder = hot_swappable(initial)
    return following(holder) if _model_bucket() else holder


class LazyRiskModel:
    """A ``RiskModel`` built on first use, so steps that never score pay nothing for it at cold start."""

    def __init__(self, build: Callable[[], RiskModel]) -> None:
        self._build = build
        self._model: RiskModel | None = None

    def _get(self) -> RiskModel:
        if self._model is None:
            self._model = self._build()
        return self._model

    @property
    def version(self) -> str:
        return self._get().version

    def predict(self, batch: Sequence[RiskInput]) -> list[RiskOutput]:
        return self._get().predict(batch)


def _refresh_model_context(rates: Mapping[str, Mapping[str, tuple[int, int]]]) -> None:
    """Refresh the in-process model's context, only where this process already serves one."""
    from spothive.adapters.model_context import context_from_rates

    if risk_model.built:
        holder = risk_model()
        holder.set_context(context_from_rates(rates, holder.context))


@component
def advisor_ingest() -> AdvisorIngest:
    """The Spot Advisor worker's use case."""
    from spothive.adapters.aws.advisor_feed import AdvisorFeed
    from spothive.adapters.dynamo.interruption_rates import DynamoInterruptionRates
    from spothive.services.advisor_ingest import AdvisorIngest

    kernel.core()
    feed = AdvisorFeed(settings.load(AdvisorSettings).advisor_feed)
    recalibrate = _request_recalibration if _model_bucket() else None
    return AdvisorIngest(feed, DynamoInterruptionRates(), kernel.clock(), _refresh_model_context, market_recorder(),
                         recalibrate)


def market_recorder() -> MarketRecorder | None:
    """Placement scores and Spot price statistics appended to the data bucket; None without a bucket."""
    from spothive.adapters.aws.market_observations import S3MarketObservations
    from spothive.adapters.aws.market_source import Ec2MarketSource
    from spothive.domain.catalog import load_builtin_catalog
    from spothive.domain.market_signals import placement_configurations
    from spothive.services.market_recorder import MarketRecorder

    s = settings.load(MarketSettings)
    if not s.data_bucket:
        return None
    region = kernel.core().region
    types = load_builtin_catalog().types.values()
    return MarketRecorder(
        Ec2MarketSource(region), S3MarketObservations(s.data_bucket, region), kernel.clock(),
        regions=s.market_regions, price_window_hours=s.price_window_hours,
        configurations=placement_configurations(s.placement_families, types, s.placement_target_capacity),
    )


def _model_bucket() -> str | None:
    """The model bucket, where calibrations and model cards live; ``None`` when none is configured."""
    try:
        return settings.load(ModelSettings).model_bucket or None
    except Exception:  # no SPOTHIVE_MODEL_BUCKET: nothing to store a calibration in
        return None


@component
def calibration_store() -> S3CalibrationStore:
    """Calibration documents, transitions and model cards under ``calibration/`` in the model bucket."""
    from spothive.adapters.aws.calibration_store import S3CalibrationStore

    return S3CalibrationStore(settings.load(ModelSettings).model_bucket, kernel.core().region)


@component
def model_recalibration() -> ModelRecalibration:
    """Recalibration of the served model on each Advisor transition, and the stored model card."""
    from spothive.services.model_recalibration import ModelRecalibration

    return ModelRecalibration(calibration_store(), kernel.clock(), _fit_transition, _apply_calibration,
                              base_card=_base_card)


def following(model: RiskModel) -> FollowedModel:
    """``model`` kept on its version's latest stored calibration (one keyed read at most a minute)."""
    from spothive.services.model_recalibration import CalibrationFollower, FollowedModel

    return FollowedModel(model, CalibrationFollower(calibration_store(), kernel.clock(), _apply_calibration))


def recalibrate_served(transition_key: str, model: RiskModel) -> dict[str, Any]:
    """Recalibrate the model this process serves on a stored transition (the model endpoint's job)."""
    return model_recalibration().recalibrate(transition_key, model)


Rates = Mapping[str, Mapping[str, Rate]]


def _request_recalibration(previous: Rates, fresh: Rates, now: datetime, horizon_days: float) -> dict[str, Any]:
    """Store the transition, then recalibrate where the model is served: the model endpoint (async invoke)
    when one is configured, else this process's in-process model if it serves one."""
    key = model_recalibration().record_transition(previous, fresh, now, horizon_days)
    function = settings.load(AdvisorSettings).model_function_name
    if function:
        from spothive.adapters.aws.recalibration_trigger import LambdaRecalibrationTrigger

        return LambdaRecalibrationTrigger(function, kernel.core().region).request(key)
    if not risk_model.built:
        return {"status": "stored", "reason": "no model is served in this process", "transition": key}
    return recalibrate_served(key, risk_model())


def _fit_transition(model: Any, previous: Rates, fresh: Rates,
                    horizon_days: float) -> tuple[str, dict[str, Any], dict[str, Any] | None] | None:
    """Score the transition with the served LightGBM model and fit the map (ML layer, lazy imports)."""
    from spothive.adapters.model_context import context_from_rates
    from spothive.services.model_recalibration import served_primary

    primary = served_primary(model)
    if primary is None:
        return None
    from spothive_models.transition import recalibrate_on_transition

    before = context_from_rates(previous, primary.context)
    after = context_from_rates(fresh, primary.context)
    result, served = recalibrate_on_transition(primary, before, after.buckets, horizon_days=horizon_days)
    return primary.version, result.as_dict(), None if served is None else served.to_dict()


def _apply_calibration(model: Any, document: Mapping[str, Any]) -> bool:
    """Give the served LightGBM model the document's map; ``False`` when it serves none (the heuristic)."""
    from spothive.services.model_recalibration import served_primary

    primary = served_primary(model)
    if primary is None:
        return False
    from spothive_models.recalibration import Calibration

    primary.set_calibration(Calibration.from_dict(document.get("calibration")), int(document.get("version", 0)))
    return True


def _base_card(model_version: str) -> str:
    """The shipped model card, when it is packaged beside the model; else the stored card starts with a heading."""
    try:
        from spothive_models.artifact import DEFAULT_ARTIFACT_DIR

        card = DEFAULT_ARTIFACT_DIR.parents[2] / "MODEL_CARD.md"
        return card.read_text() if card.is_file() else ""
    except Exception:
        return ""
