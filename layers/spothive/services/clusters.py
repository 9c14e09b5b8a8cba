"""Clusters an org owns, with their nodes (tenant-scoped reads only)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace

from spothive.domain.agent_link import AgentHealth, agent_health
from spothive.domain.errors import NotFound
from spothive.domain.identity import Principal
from spothive.domain.inventory import StoredCluster, StoredInstance
from spothive.ports.agents import Heartbeats
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo

LOG = logging.getLogger(__name__)
#: The agent light when the heartbeat store cannot be read: neither green nor a false red.
UNKNOWN = AgentHealth("unknown", None, None)


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A cluster and a summary of its nodes."""

    cluster: StoredCluster
    nodes: int
    spot_nodes: int
    on_demand_nodes: int
    instance_types: dict[str, int]
    agent: AgentHealth | None = None


class ClusterService:
    """Use cases of ``/api/client/clusters`` and ``/api/clusters/{id}``."""

    def __init__(self, inventory: InventoryRepo, heartbeats: Heartbeats | None = None,
                 clock: Clock | None = None) -> None:
        self._inventory = inventory
        self._heartbeats = heartbeats
        self._clock = clock

    def _with_agent(self, org_id: str, view: ClusterView) -> ClusterView:
        if self._heartbeats is None or self._clock is None:
            return view
        try:
            last = self._heartbeats.last_seen(org_id, view.cluster.cluster_id)
        except Exception as exc:  # the cache down must not cost the cluster list
            LOG.warning("agent heartbeats unavailable: %s", exc)
            return replace(view, agent=UNKNOWN)
        return replace(view, agent=agent_health(last, self._clock.now()))

    def list(self, principal: Principal) -> list[ClusterView]:
        """Every cluster of the caller's org, with node counts from one Query of its instances."""
        by_cluster: dict[str, list[StoredInstance]] = {}
        for stored in self._inventory.list_instances(principal.org_id):
            if stored.instance.cluster_id and stored.instance.state == "running":
                by_cluster.setdefault(stored.instance.cluster_id, []).append(stored)
        views = [self._with_agent(principal.org_id, _view(c, by_cluster.get(c.cluster_id, [])))
                 for c in self._inventory.list_clusters(principal.org_id)]
        return sorted(views, key=lambda v: (v.cluster.name, v.cluster.region))

    def get(self, principal: Principal, cluster_id: str) -> ClusterView:
        """One cluster of the caller's org; another org's cluster is ``NotFound``."""
        cluster = self._inventory.get_cluster(principal.org_id, cluster_id)
        if cluster is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        running = [
            s for s in self._inventory.list_instances(principal.org_id, cluster_id) if s.instance.state == "running"
        ]
        return self._with_agent(principal.org_id, _view(cluster, running))


def _view(cluster: StoredCluster, nodes: list[StoredInstance]) -> ClusterView:
    spot = sum(1 for n in nodes if n.instance.lifecycle == "spot")
    types = Counter(n.instance.instance_type for n in nodes)
    return ClusterView(cluster, len(nodes), spot, len(nodes) - spot, dict(sorted(types.items())))
