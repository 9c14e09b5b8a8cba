"""Composition root: settings → adapters → services. The only place that picks implementations."""

from __future__ import annotations

from functools import cached_property, lru_cache

from spothive.adapters.aws.cognito import CognitoDirectory
from spothive.adapters.aws.discovery_trigger import InlineDiscoveryTrigger, LambdaDiscoveryTrigger
from spothive.adapters.aws.inventory import StsCloudAccess
from spothive.adapters.aws.jwt_verifier import JwksTokenVerifier
from spothive.adapters.cache.deny_list import RedisTokenDenyList
from spothive.adapters.cache.policy_events import RedisPolicyEventPublisher, RedisSafeMode
from spothive.adapters.cache.redis_client import redis_client
from spothive.adapters.dynamo import models
from spothive.adapters.dynamo.audit_store import AuditStore
from spothive.adapters.dynamo.hibernation_repo import DynamoHibernationRepo
from spothive.adapters.dynamo.inventory_repo import DynamoInventoryRepo
from spothive.adapters.dynamo.policies_repo import DynamoPolicyRepo
from spothive.adapters.dynamo.templates_repo import DynamoTemplateRepo
from spothive.adapters.dynamo.tenancy_repo import DynamoTenancyRepo
from spothive.adapters.system_clock import SystemClock
from spothive.ports import DiscoveryTrigger
from spothive.services.auth import AuthService
from spothive.services.clusters import ClusterService
from spothive.services.connect import ConnectService, LinkConfig
from spothive.services.discovery import DiscoveryService
from spothive.services.hibernation import HibernationService, HibernationWorker
from spothive.services.policies import PolicyService
from spothive.services.templates import TemplateService
from spothive.settings import Settings, get_settings


class Container:
    """Lazily built adapters and services for one process (a Lambda sandbox or the local stack)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        models.bind(settings.table_prefix, settings.region, settings.aws_endpoint_url)

    @cached_property
    def clock(self) -> SystemClock:
        return SystemClock()

    @cached_property
    def redis(self):  # type: ignore[no-untyped-def]
        return redis_client(self.settings.redis_url)

    @cached_property
    def tenancy(self) -> DynamoTenancyRepo:
        return DynamoTenancyRepo(self.settings.region, self.settings.aws_endpoint_url)

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

    # --- node templates, cluster policies, hibernation -------------------------------------------
    @cached_property
    def audit_store(self) -> AuditStore:
        return AuditStore(self.settings.region, self.settings.aws_endpoint_url, self.clock.now)

    @cached_property
    def template_repo(self) -> DynamoTemplateRepo:
        return DynamoTemplateRepo(self.audit_store)

    @cached_property
    def templates(self) -> TemplateService:
        return TemplateService(self.template_repo, self.clock)

    @cached_property
    def policies(self) -> PolicyService:
        return PolicyService(DynamoPolicyRepo(self.audit_store), self.template_repo, self.inventory,
                             RedisPolicyEventPublisher(self.redis), self.clock)

    @cached_property
    def hibernation(self) -> HibernationService:
        return HibernationService(DynamoHibernationRepo(self.audit_store), self.inventory, self.clock)

    @cached_property
    def hibernation_worker(self) -> HibernationWorker:
        return HibernationWorker(DynamoHibernationRepo(self.audit_store), self.inventory, self.tenancy, self.cloud,
                                 RedisSafeMode(self.redis, self.settings.safe_mode), self.clock)


@lru_cache(maxsize=1)
def container() -> Container:
    """The process-wide container, built on first use from the environment."""
    return Container(get_settings())


def reset() -> None:
    """Forget the container and settings (tests and the local stack after changing the environment)."""
    get_settings.cache_clear()
    container.cache_clear()
