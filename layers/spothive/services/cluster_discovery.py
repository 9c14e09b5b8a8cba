"""``GET /api/clusters/discover``: the EKS clusters live in one linked account, each marked by what
SpotHive already knows of it (``managed``: its agent is connected; ``known``: stored, no agent; ``new``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from spothive.domain.agent_link import HEALTHY_WITHIN
from spothive.domain.errors import Conflict, NotFound
from spothive.domain.identity import Principal
from spothive.domain.inventory import DiscoveredCluster
from spothive.ports.agents import Heartbeats
from spothive.ports.clock import Clock
from spothive.ports.cloud import CloudAccess, LiveCache
from spothive.ports.inventory import InventoryRepo
from spothive.ports.tenancy import TenancyRepo

MANAGED, KNOWN, NEW = "managed", "known", "new"
#: The live answer is kept this long per org and account: the Add dialog is opened and re-opened, and
#: every open would otherwise cost a ListClusters, DescribeCluster and DescribeNodegroup per region.
CACHE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class FoundCluster:
    """A live cluster and what SpotHive knows of it."""

    cluster: DiscoveredCluster
    state: str


@dataclass(frozen=True, slots=True)
class DiscoverResult:
    """The account's live clusters, the regions looked at and whether the list came from the cache."""

    account_id: str
    regions: list[str]
    clusters: list[FoundCluster]
    cached: bool


class ClusterDiscover:
    """Lists an account's clusters live through its role, marked against the stored inventory."""

    def __init__(self, tenancy: TenancyRepo, inventory: InventoryRepo, cloud: CloudAccess, heartbeats: Heartbeats,
                 cache: LiveCache, clock: Clock, regions: list[str]) -> None:
        self._tenancy = tenancy
        self._inventory = inventory
        self._cloud = cloud
        self._heartbeats = heartbeats
        self._cache = cache
        self._clock = clock
        self._regions = regions

    def discover(self, principal: Principal, account_id: str) -> DiscoverResult:
        """Every live cluster of one of the caller's accounts; another org's account is ``NotFound``."""
        account = self._tenancy.get_account(principal.org_id, account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found", field="account_id")
        if not account.role_arn or not account.external_id:
            raise Conflict(f"account {account_id} has no verified role yet; POST /api/connect/verify first",
                           field="account_id")
        key = f"discover:{principal.org_id}:{account_id}"
        raw = self._cache.get(key)
        cached = raw is not None
        if raw is None:
            session = self._cloud.assume(account.role_arn, account.external_id, f"spothive-discover-{account_id}")
            live = [replace(c, account_id=account_id) for region in self._regions for c in session.live_clusters(region)]
            raw = {"clusters": [_doc(c) for c in live]}
            self._cache.put(key, raw, CACHE_SECONDS)
        clusters = [_cluster(d) for d in raw["clusters"]]
        stored = {c.cluster_id for c in self._inventory.list_clusters(principal.org_id)}
        now = self._clock.now()
        found = [FoundCluster(c, self._state(principal.org_id, c, stored, now)) for c in clusters]
        return DiscoverResult(account_id, list(self._regions), sorted(found, key=lambda f: (f.cluster.region,
                                                                                          f.cluster.name)), cached)

    def _state(self, org_id: str, cluster: DiscoveredCluster, stored: set[str], now: datetime) -> str:
        if cluster.cluster_id not in stored:
            return NEW
        seen = self._heartbeats.last_seen(org_id, cluster.cluster_id)
        return MANAGED if seen is not None and now - seen <= HEALTHY_WITHIN else KNOWN


def _doc(c: DiscoveredCluster) -> dict[str, Any]:
    return {"account_id": c.account_id, "region": c.region, "name": c.name, "arn": c.arn, "version": c.version,
            "status": c.status, "nodegroups": list(c.nodegroups), "node_count": c.node_count}


def _cluster(d: dict[str, Any]) -> DiscoveredCluster:
    return DiscoveredCluster(str(d["account_id"]), str(d["region"]), str(d["name"]), str(d["arn"]),
                             str(d["version"]), str(d["status"]), tuple(d["nodegroups"]), int(d["node_count"]))
