"""Risk: the interruption-risk model (hot-swappable), the hive mind, and the Spot Advisor ingest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import AdvisorSettings, HiveSettings, MarketSettings, ModelSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.aws.model_store import S3ModelStore
    from spothive.adapters.cache.model_events import RedisModelEvents
    from spothive.contracts.risk_v1 import RiskInput, RiskOutput
    from spothive.ports.risk import RiskModel
    from spothive.services.advisor_ingest import AdvisorIngest
    from spothive.services.hive_mind import HiveMind
    from spothive.services.market_recorder import MarketRecorder
    from spothive.services.model_lab import RiskModelHolder
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
def risk_model() -> RiskModelHolder:
    """The process's hot-swappable risk model: the shipped artifact, else the heuristic."""
    from spothive.services.risk_heuristic import FallbackRiskModel

    try:
        from spothive_models.serving import LightGBMRiskModel

        initial: RiskModel = FallbackRiskModel(LightGBMRiskModel.from_artifact())
    except Exception:
        initial = FallbackRiskModel(None)
    return hot_swappable(initial)


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
    return AdvisorIngest(feed, DynamoInterruptionRates(), kernel.clock(), _refresh_model_context, market_recorder())


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
