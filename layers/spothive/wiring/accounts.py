"""Accounts: tenancy records, linking a customer account, and discovery of what it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import LinkSettings, ScanSettings
from spothive.wiring import agents, inventory, kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.aws.inventory import StsCloudAccess
    from spothive.adapters.dynamo.tenancy_repo import DynamoTenancyRepo
    from spothive.ports.inventory import DiscoveryTrigger
    from spothive.services.cluster_discovery import ClusterDiscover
    from spothive.services.connect import ConnectService
    from spothive.services.discovery import DiscoveryService


@component
def tenancy() -> DynamoTenancyRepo:
    """Users, orgs and accounts."""
    from spothive.adapters.dynamo.tenancy_repo import DynamoTenancyRepo

    c = kernel.core()
    return DynamoTenancyRepo(c.region, c.aws_endpoint_url, kernel.ledger())


@component
def cloud() -> StsCloudAccess:
    """The customer accounts, reached through their SpotHiveAccess role."""
    from spothive.adapters.aws.inventory import StsCloudAccess

    return StsCloudAccess(kernel.core().region)


@component
def discovery() -> DiscoveryService:
    """Scans linked accounts for clusters and instances."""
    from spothive.services.discovery import DiscoveryService
    from spothive.services.utilization import UtilizationCollector
    from spothive.wiring import automation, streams  # both read tenancy from here

    regions = settings.load(ScanSettings).regions
    collector = UtilizationCollector(inventory.utilization(), kernel.clock())
    return DiscoveryService(tenancy(), inventory.repo(), cloud(), kernel.clock(), regions, collector,
                            progress=streams.streams(), optimize=automation.optimize_trigger())


@component
def discovery_trigger() -> DiscoveryTrigger:
    """Starts a scan after a verify: the discovery worker on AWS, inline in the local stack."""
    from spothive.adapters.aws.discovery_trigger import InlineDiscoveryTrigger, LambdaDiscoveryTrigger

    name = settings.load(LinkSettings).discovery_function_name
    if name:
        return LambdaDiscoveryTrigger(name, kernel.core().region)
    return InlineDiscoveryTrigger(discovery().scan_one)


@component
def connect() -> ConnectService:
    """Link and verify customer accounts."""
    from spothive.services.connect import ConnectService, LinkConfig

    link, scan, region = settings.load(LinkSettings), settings.load(ScanSettings), kernel.core().region
    config = LinkConfig(
        hub_account_id=link.hub_account_id, template_url=link.customer_template_url,
        role_name=scan.customer_role_name, region=region,
        probe_region=scan.regions[0] if scan.regions else region,
    )
    return ConnectService(tenancy(), cloud(), discovery_trigger(), kernel.clock(), config)


@component
def cluster_discover() -> ClusterDiscover:
    """The live cluster list of one account (``GET /api/clusters/discover``), cached a minute in Redis."""
    from spothive.adapters.cache.live_cache import RedisLiveCache
    from spothive.services.cluster_discovery import ClusterDiscover

    return ClusterDiscover(tenancy(), inventory.repo(), cloud(), agents.heartbeats(), RedisLiveCache(kernel.cache()),
                           kernel.clock(), settings.load(ScanSettings).regions)
