"""CloudWatch utilization for what no agent reports (Flow 2, step 5), and EC2 right-sizing from it.

After each scan of an account, the running instances that are stand-alone or nodes of a cluster with no
agent linked get their new 5-minute CPU samples read (from just after the newest one kept, at most 14
days back, complete 5-minute periods only) and merged into their stored histograms. A CloudWatch failure is logged and the scan stands:
utilization is advisory, the inventory is not.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.domain.inventory import DiscoveredInstance, StoredCluster, StoredInstance
from spothive.domain.rightsizing_ec2 import Ec2Recommendation, recommend_ec2
from spothive.domain.utilization import UtilizationHistogram, read_window
from spothive.ports.clock import Clock
from spothive.ports.cloud import CloudSession
from spothive.ports.inventory import InventoryRepo, UtilizationRepo
from spothive.ports.pricing import CatalogSource

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CollectSummary:
    """How many instances were read and how many samples came back."""

    instances: int
    samples: int


def needs_cloudwatch(instance: DiscoveredInstance, agentless: set[str]) -> bool:
    """Running, and stand-alone or a node of a cluster without an agent."""
    return instance.state == "running" and (instance.cluster_id is None or instance.cluster_id in agentless)


class UtilizationCollector:
    """Reads CPU samples through a customer session and keeps the histograms."""

    def __init__(self, repo: UtilizationRepo, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    def collect(self, session: CloudSession, org_id: str, instances: Sequence[DiscoveredInstance],
                clusters: Sequence[StoredCluster]) -> CollectSummary:
        """Merge new samples of the instances that need CloudWatch; one read per region from the oldest start."""
        agentless = {c.cluster_id for c in clusters if not c.agent_linked}
        chosen = [i for i in instances if needs_cloudwatch(i, agentless)]
        if not chosen:
            return CollectSummary(0, 0)
        now = self._clock.now()
        stored = self._repo.get_many(org_id, [i.instance_key for i in chosen])
        updated: dict[str, UtilizationHistogram] = {}
        samples = 0
        by_region: dict[str, list[DiscoveredInstance]] = {}
        for i in chosen:
            by_region.setdefault(i.region, []).append(i)
        for region, group in sorted(by_region.items()):
            windows = [read_window(stored.get(i.instance_key), now) for i in group]
            start, end = min(w[0] for w in windows), windows[0][1]
            if start >= end:
                continue  # read within this period already
            read = session.cpu_utilization(region, [i.instance_id for i in group], start, end)
            for i in group:
                found = read.get(i.instance_id, [])
                samples += len(found)
                updated[i.instance_key] = (stored.get(i.instance_key) or UtilizationHistogram()).merged(found, now)
        self._repo.save_many(org_id, updated)
        return CollectSummary(len(chosen), samples)


class RightSizing:
    """Use cases of ``GET /api/instances/{id}/rightsizing`` and the projection's recommendations."""

    def __init__(self, inventory: InventoryRepo, repo: UtilizationRepo, catalogs: CatalogSource) -> None:
        self._inventory = inventory
        self._repo = repo
        self._catalogs = catalogs

    def for_instance(self, principal: Principal, instance_id: str) -> Ec2Recommendation:
        """One of the caller's instances; another org's (or an unknown) id is ``NotFound``."""
        stored = next((s for s in self._inventory.list_instances(principal.org_id)
                       if s.instance.instance_id == instance_id), None)
        if stored is None:
            raise NotFound(f"instance {instance_id} not found", field="instance_id")
        return self.for_stored(principal.org_id, [stored])[0]

    def for_stored(self, org_id: str, stored: Sequence[StoredInstance]) -> list[Ec2Recommendation]:
        """Recommendations for stored instances, from their histograms (empty ones: no samples yet)."""
        histograms = self._repo.get_many(org_id, [s.instance.instance_key for s in stored])
        catalogs = {region: self._catalogs.catalog(region) for region in {s.instance.region for s in stored}}
        return [recommend_ec2(s.instance.instance_id, s.instance.instance_type,
                              histograms.get(s.instance.instance_key) or UtilizationHistogram(),
                              catalogs[s.instance.region])
                for s in stored]
