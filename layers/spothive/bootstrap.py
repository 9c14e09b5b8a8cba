"""Composition root: settings → adapters → services. The only place that picks implementations."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property, lru_cache

import redis

from spothive.adapters.aws.advisor_feed import AdvisorFeed
from spothive.adapters.aws.cognito import CognitoDirectory
from spothive.adapters.aws.discovery_trigger import InlineDiscoveryTrigger, LambdaDiscoveryTrigger
from spothive.adapters.aws.ec2_switch import StsSwitchCloud
from spothive.adapters.aws.export_sink import S3ExportSink
from spothive.adapters.aws.inventory import StsCloudAccess
from spothive.adapters.aws.jwt_verifier import JwksTokenVerifier
from spothive.adapters.aws.model_loader import S3ModelLoader
from spothive.adapters.aws.model_store import S3ModelStore
from spothive.adapters.aws.price_feed import AwsPriceFeed
from spothive.adapters.aws.snapshot_store import S3SnapshotStore
from spothive.adapters.aws.step_functions import StepFunctionsStarter
from spothive.adapters.cache.agent_actions import RedisAgentActions
from spothive.adapters.cache.deny_list import RedisTokenDenyList
from spothive.adapters.cache.heartbeats import RedisHeartbeats
from spothive.adapters.cache.hot_prices import RedisHotPrices
from spothive.adapters.cache.model_events import ModelEventListener, RedisModelEvents
from spothive.adapters.cache.policy_events import RedisPolicyEventPublisher
from spothive.adapters.cache.rate_limiter import RedisRateLimiter
from spothive.adapters.cache.redis_client import redis_client
from spothive.adapters.cache.risk_tracker import RedisRiskTracker
from spothive.adapters.cache.safe_mode import RedisSafeMode
from spothive.adapters.catalog_source import HotCatalogSource
from spothive.adapters.dynamo import models
from spothive.adapters.dynamo.agent_tokens import DynamoAgentTokens
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.adapters.dynamo.hibernation_repo import DynamoHibernationRepo
from spothive.adapters.dynamo.instance_locator import DynamoInstanceLocator
from spothive.adapters.dynamo.interruption_rates import DynamoInterruptionRates
from spothive.adapters.dynamo.inventory_repo import DynamoInventoryRepo
from spothive.adapters.dynamo.jobs_repo import DynamoJobsRepo
from spothive.adapters.dynamo.lab_repo import DynamoLabRepo
from spothive.adapters.dynamo.model_registry import DynamoModelRegistry
from spothive.adapters.dynamo.policies_repo import DynamoPolicyRepo
from spothive.adapters.dynamo.templates_repo import DynamoTemplateRepo
from spothive.adapters.dynamo.tenancy_repo import DynamoTenancyRepo
from spothive.adapters.local_export_sink import LocalExportSink
from spothive.adapters.memory.price_feed import SnapshotPriceFeed
from spothive.adapters.memory.snapshot_store import MemorySnapshotStore
from spothive.adapters.model_context import context_from_rates
from spothive.adapters.model_validator import Limits, SubprocessValidator
from spothive.adapters.solver.highs import HighsSolver
from spothive.adapters.system_clock import SystemClock
from spothive.contracts.risk_v1 import RiskInput, RiskOutput
from spothive.ports import DiscoveryTrigger, ExportSink
from spothive.ports.metrics import SnapshotStore
from spothive.ports.pricing import PriceFeed
from spothive.ports.risk import RiskModel
from spothive.services.advisor_ingest import AdvisorIngest
from spothive.services.agents import AgentService
from spothive.services.audit import AuditService
from spothive.services.auth import AuthService
from spothive.services.clusters import ClusterService
from spothive.services.connect import ConnectService, LinkConfig
from spothive.services.discovery import DiscoveryService
from spothive.services.hibernation import HibernationService, HibernationWorker
from spothive.services.hive_mind import HiveMind
from spothive.services.live_switch import LiveSwitch
from spothive.services.metrics import MetricsService
from spothive.services.model_lab import ModelLab, RiskModelHolder
from spothive.services.optimization import OptimizationSteps
from spothive.services.optimization_jobs import OptimizationJobs
from spothive.services.policies import PolicyService
from spothive.services.prices import PriceRefresher
from spothive.services.risk_heuristic import FallbackRiskModel
from spothive.services.templates import TemplateService
from spothive.settings import Settings, get_settings


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


class Container:
    """Lazily built adapters and services for one process (a Lambda sandbox or the local stack)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        models.bind(settings.table_prefix, settings.region, settings.aws_endpoint_url)

    @cached_property
    def clock(self) -> SystemClock:
        return SystemClock()

    @cached_property
    def redis(self) -> redis.Redis:
        return redis_client(self.settings.redis_url)

    @cached_property
    def rate_limiter(self) -> RedisRateLimiter:
        return RedisRateLimiter(self.redis, enabled=self.settings.rate_limits_enabled)

    @cached_property
    def ledger(self) -> AuditStore:
        return AuditStore(self.settings.region, self.settings.aws_endpoint_url, self.clock.now)

    @cached_property
    def tenancy(self) -> DynamoTenancyRepo:
        return DynamoTenancyRepo(self.settings.region, self.settings.aws_endpoint_url, self.ledger)

    @cached_property
    def export_sink(self) -> ExportSink:
        if self.settings.exports_bucket:
            return S3ExportSink(self.settings.exports_bucket, self.settings.region)
        return LocalExportSink(self.settings.data_dir)

    @cached_property
    def audit(self) -> AuditService:
        return AuditService(self.ledger, self.export_sink, self.clock)

    @cached_property
    def inventory(self) -> DynamoInventoryRepo:
        return DynamoInventoryRepo()

    @cached_property
    def cloud(self) -> StsCloudAccess:
        return StsCloudAccess(self.settings.region)

    @cached_property
    def auth(self) -> AuthService:
        s = self.settings
        return AuthService(
            repo=self.tenancy,
            idp=CognitoDirectory(s.cognito_user_pool_id, s.cognito_client_id, s.region),
            verifier=JwksTokenVerifier(s.jwks_url, s.issuer, s.cognito_client_id),
            deny_list=RedisTokenDenyList(self.redis, self.clock),
            clock=self.clock,
            ledger=self.ledger,
        )

    @cached_property
    def discovery(self) -> DiscoveryService:
        return DiscoveryService(self.tenancy, self.inventory, self.cloud, self.clock, self.settings.regions)

    @cached_property
    def discovery_trigger(self) -> DiscoveryTrigger:
        if self.settings.discovery_function_name:
            return LambdaDiscoveryTrigger(self.settings.discovery_function_name, self.settings.region)
        return InlineDiscoveryTrigger(self.discovery.scan_one)

    @cached_property
    def connect(self) -> ConnectService:
        s = self.settings
        config = LinkConfig(
            hub_account_id=s.hub_account_id, template_url=s.customer_template_url, role_name=s.customer_role_name,
            region=s.region, probe_region=s.regions[0] if s.regions else s.region,
        )
        return ConnectService(self.tenancy, self.cloud, self.discovery_trigger, self.clock, config)

    @cached_property
    def clusters(self) -> ClusterService:
        return ClusterService(self.inventory)

    @cached_property
    def hot_prices(self) -> RedisHotPrices:
        return RedisHotPrices(self.redis, self.settings.region)

    @cached_property
    def catalogs(self) -> HotCatalogSource:
        return HotCatalogSource(self.hot_prices, self.settings.catalog_csv)

    @cached_property
    def price_feed(self) -> PriceFeed:
        if self.settings.price_source == "snapshot":
            return SnapshotPriceFeed(self.catalogs.catalog())
        return AwsPriceFeed(self.settings.region)

    @cached_property
    def price_refresher(self) -> PriceRefresher:
        types = sorted(self.catalogs.catalog().types)
        return PriceRefresher(self.price_feed, self.hot_prices, self.clock, types)

    @cached_property
    def snapshots(self) -> SnapshotStore:
        if self.settings.data_bucket:
            return S3SnapshotStore(self.settings.data_bucket, self.settings.region)
        return MemorySnapshotStore()

    @cached_property
    def metrics(self) -> MetricsService:
        return MetricsService(self.inventory, self.catalogs, self.snapshots, solver=HighsSolver())

    @cached_property
    def agents(self) -> AgentService:
        return AgentService(
            self.inventory, DynamoAgentTokens(self.ledger), RedisHeartbeats(self.redis), self.snapshots, self.ledger,
            self.clock,
            self.settings.api_base_url,
        )

    @cached_property
    def risk_tracker(self) -> RedisRiskTracker:
        return RedisRiskTracker(self.redis)

    @cached_property
    def hive_mind(self) -> HiveMind:
        s = self.settings
        return HiveMind(
            self.risk_tracker, self.clock, locator=DynamoInstanceLocator(),
            ttl_seconds=s.risk_flag_ttl_seconds, window_seconds=s.risk_window_seconds,
        )

    @cached_property
    def model_store(self) -> S3ModelStore:
        return S3ModelStore(self.settings.model_bucket, self.settings.region)

    @cached_property
    def model_events(self) -> RedisModelEvents:
        return RedisModelEvents(self.redis)

    @cached_property
    def model_lab(self) -> ModelLab:
        s = self.settings
        limits = Limits(cpu_seconds=s.validator_cpu_seconds, memory_mib=s.validator_memory_mib,
                        wall_seconds=s.validator_timeout_seconds)
        return ModelLab(
            DynamoModelRegistry(self.ledger), self.model_store,
            SubprocessValidator(limits, min_auc=s.model_min_auc), self.model_events, self.clock,
            max_bytes=s.model_max_upload_mib * 1024 * 1024,
        )

    def hot_swappable(self, initial: RiskModel, *, listen: bool = True) -> RiskModelHolder:
        """Wrap ``initial`` so a ``models:production`` announcement swaps it in place (catching up first
        with the last announcement); without Redis it just serves ``initial``."""
        loader = S3ModelLoader(self.model_store)
        holder = RiskModelHolder(initial, loader)
        current = self.model_events.current()
        if current is not None and current.version != initial.version:
            holder.on_production(current)
        if listen:
            try:
                self.model_listener = ModelEventListener(self.redis, holder.on_production).start()
            except Exception as exc:  # the cache being down must not stop serving
                logging.getLogger(__name__).warning("model hot-swap listener not started: %s", exc)
        return holder

    @cached_property
    def risk_model(self) -> RiskModelHolder:
        """The process's hot-swappable risk model: the shipped artifact, else the heuristic."""
        try:
            from spothive_models.serving import LightGBMRiskModel

            initial: RiskModel = FallbackRiskModel(LightGBMRiskModel.from_artifact())
        except Exception:
            initial = FallbackRiskModel(None)
        return self.hot_swappable(initial)

    @cached_property
    def interruption_rates(self) -> DynamoInterruptionRates:
        return DynamoInterruptionRates()

    @cached_property
    def advisor_ingest(self) -> AdvisorIngest:
        return AdvisorIngest(AdvisorFeed(self.settings.advisor_feed), self.interruption_rates, self.clock,
                             self._refresh_model_context)

    def _refresh_model_context(self, rates: Mapping[str, Mapping[str, tuple[int, int]]]) -> None:
        """Refresh the in-process model's context, only where this process already serves one."""
        holder = self.__dict__.get("risk_model")
        if holder is not None:
            holder.set_context(context_from_rates(rates, holder.context))

    # ---- optimization workflow -------------------------------------------------------------------
    @cached_property
    def jobs(self) -> DynamoJobsRepo:
        return DynamoJobsRepo(self.ledger, self.clock.now)

    @cached_property
    def agent_actions(self) -> RedisAgentActions:
        return RedisAgentActions(self.redis)

    @cached_property
    def optimization_jobs(self) -> OptimizationJobs:
        starter = StepFunctionsStarter(self.settings.optimization_state_machine_arn, self.settings.region)
        return OptimizationJobs(self.jobs, self.inventory, starter, self.clock)

    @cached_property
    def optimization(self) -> OptimizationSteps:
        return OptimizationSteps(
            self.jobs, self.inventory, self.catalogs, self.snapshots, LazyRiskModel(lambda: self.risk_model),
            self.hive_mind,
            RedisHeartbeats(self.redis), self.agent_actions, RedisSafeMode(self.redis, self.settings.safe_mode), self.clock,
            global_safe_mode=self.settings.safe_mode, solver=HighsSolver(),
        )

    @cached_property
    def live_switch(self) -> LiveSwitch:
        return LiveSwitch(StsSwitchCloud(self.settings.region), DynamoLabRepo(), self.catalogs,
                          RedisSafeMode(self.redis, self.settings.safe_mode), self.clock, global_safe_mode=self.settings.safe_mode)
    # --- node templates, cluster policies, hibernation -------------------------------------------
    @cached_property
    def template_repo(self) -> DynamoTemplateRepo:
        return DynamoTemplateRepo(self.ledger)

    @cached_property
    def templates(self) -> TemplateService:
        return TemplateService(self.template_repo, self.clock)

    @cached_property
    def policies(self) -> PolicyService:
        return PolicyService(DynamoPolicyRepo(self.ledger), self.template_repo, self.inventory,
                             RedisPolicyEventPublisher(self.redis), self.clock)

    @cached_property
    def hibernation_repo(self) -> DynamoHibernationRepo:
        return DynamoHibernationRepo(self.ledger)

    @cached_property
    def hibernation(self) -> HibernationService:
        return HibernationService(self.hibernation_repo, self.inventory, self.clock)

    @cached_property
    def hibernation_worker(self) -> HibernationWorker:
        return HibernationWorker(self.hibernation_repo, self.inventory, self.tenancy, self.cloud,
                                 RedisSafeMode(self.redis, self.settings.safe_mode), self.clock)


@lru_cache(maxsize=1)
def container() -> Container:
    """The process-wide container, built on first use from the environment."""
    return Container(get_settings())


def reset() -> None:
    """Forget the container and settings (tests and the local stack after changing the environment)."""
    get_settings.cache_clear()
    container.cache_clear()
