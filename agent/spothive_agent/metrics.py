"""Prometheus metrics of the agent (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class AgentMetrics:
    """The agent's counters and gauges, on a registry of its own (so tests can make many agents)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.actions = Counter("spothive_agent_actions", "Actions finished, by type and status",
                               ["type", "status"], registry=r)
        self.evictions = Counter("spothive_agent_evictions", "Eviction API calls, by outcome (evicted, blocked, gone)",
                                 ["outcome"], registry=r)
        self.pdb_blocks = Counter("spothive_agent_pdb_blocks", "Drains that ended blocked by a PodDisruptionBudget",
                                  ["pdb"], registry=r)
        self.hub_errors = Counter("spothive_agent_hub_errors", "Failed calls to the hub, by endpoint",
                                  ["endpoint"], registry=r)
        self.hub_requests = Counter("spothive_agent_hub_requests", "Calls to the hub, by endpoint", ["endpoint"],
                                    registry=r)
        self.last_sync = Gauge("spothive_agent_last_successful_sync_timestamp_seconds",
                               "Unix time of the last successful call to the hub", registry=r)
        self.last_snapshot = Gauge("spothive_agent_last_snapshot_timestamp_seconds",
                                   "Unix time of the last snapshot the hub accepted", registry=r)
        self.snapshot_bytes = Gauge("spothive_agent_snapshot_bytes", "Size of the last snapshot (JSON, uncompressed)",
                                    registry=r)
        self.leader = Gauge("spothive_agent_leader", "1 while this replica holds the Lease", registry=r)
        self.safe_mode = Gauge("spothive_agent_safe_mode", "1 while the hub is unreachable past the grace period",
                               registry=r)
        self.dry_run = Gauge("spothive_agent_dry_run", "1 when mutations are only logged", registry=r)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
