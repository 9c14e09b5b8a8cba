"""The in-cluster agent's link to SpotHive: install command, token, heartbeats and snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spothive.domain.agent_link import CHART, AgentHealth, agent_health, helm_command, new_agent_token, token_hash
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import NotFound, Unauthorized
from spothive.domain.identity import Principal
from spothive.ports.agents import AgentTokens, Heartbeats
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo, SnapshotStore


@dataclass(frozen=True, slots=True)
class AgentInstall:
    """What the customer runs to install the agent (the token is shown this once)."""

    cluster_id: str
    helm_command: str
    token: str


class AgentService:
    """Use cases of ``/api/clusters/connect``, ``/api/clusters/{id}/verify`` and ``/api/agent``."""

    def __init__(
        self,
        inventory: InventoryRepo,
        tokens: AgentTokens,
        heartbeats: Heartbeats,
        snapshots: SnapshotStore,
        ledger: AuditLedger,
        clock: Clock,
        api_url: str,
        chart: str = CHART,
    ) -> None:
        self._chart = chart
        self._ledger = ledger
        self._inventory = inventory
        self._tokens = tokens
        self._heartbeats = heartbeats
        self._snapshots = snapshots
        self._clock = clock
        self._api_url = api_url

    def connect(self, principal: Principal, cluster_id: str) -> AgentInstall:
        """Issue a fresh agent token for one of the caller's clusters (replacing any earlier one)."""
        cluster = self._inventory.get_cluster(principal.org_id, cluster_id)
        if cluster is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        token = new_agent_token()
        digest = token_hash(token)
        audit = AuditEntry(principal.actor, "cluster.agent_token_issued", "cluster", cluster_id,
                           after={"token_sha256_prefix": digest[:8]}, reason="agent install command issued")
        self._tokens.set_token_hash(principal.org_id, cluster_id, digest, audit)
        return AgentInstall(cluster_id, helm_command(cluster_id, cluster.name, self._api_url, self._chart), token)

    def verify(self, principal: Principal, cluster_id: str) -> AgentHealth:
        """Green when the cluster's agent called in within 60 s."""
        if self._inventory.get_cluster(principal.org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        return agent_health(self._heartbeats.last_seen(principal.org_id, cluster_id), self._clock.now())

    def authenticate_agent(self, token: str) -> tuple[str, str]:
        """``(org_id, cluster_id)`` for a valid agent token; ``Unauthorized`` otherwise."""
        found = self._tokens.cluster_for(token_hash(token)) if token else None
        if found is None:
            raise Unauthorized("unknown agent token")
        return found

    def beat(self, org_id: str, cluster_id: str) -> None:
        """Record that an authenticated cluster's agent is alive."""
        self._heartbeats.beat(org_id, cluster_id, self._clock.now())

    def save_snapshot(self, org_id: str, cluster_id: str, snapshot: dict[str, Any], actor: str) -> None:
        """Keep the latest snapshot of a cluster the org owns (validated against the schema beforehand).

        The snapshot lives in object storage, so its audit record follows the write."""
        if self._inventory.get_cluster(org_id, cluster_id) is None:
            raise NotFound(f"cluster {cluster_id} not found", field="cluster_id")
        self._snapshots.save(org_id, cluster_id, snapshot)
        counts = {k: len(snapshot.get(k) or []) for k in ("nodes", "pods", "pdbs")}
        self._ledger.write(org_id, AuditEntry(actor, "cluster.snapshot_saved", "cluster", cluster_id, after=counts))
