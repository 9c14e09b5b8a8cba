"""Agents: the in-cluster agent's token, heartbeats, snapshots, actions, usage and spot signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import AgentLinkSettings, SnapshotSettings
from spothive.wiring import inventory, kernel, risk, workload_sizing
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.cache.action_wake import RedisActionWake
    from spothive.adapters.cache.heartbeats import RedisHeartbeats
    from spothive.adapters.dynamo.agent_actions import DynamoAgentActions
    from spothive.ports.agents import UsageStore
    from spothive.services.agent_actions import AgentChannel
    from spothive.services.agents import AgentService


@component
def heartbeats() -> RedisHeartbeats:
    """When each cluster's agent last called in."""
    from spothive.adapters.cache.heartbeats import RedisHeartbeats

    return RedisHeartbeats(kernel.cache())


@component
def agents() -> AgentService:
    """Install command, agent authentication, heartbeats and snapshot uploads."""
    from spothive.adapters.dynamo.agent_tokens import DynamoAgentTokens
    from spothive.services.agents import AgentService

    link = settings.load(AgentLinkSettings)
    return AgentService(
        inventory.repo(), DynamoAgentTokens(kernel.ledger()), heartbeats(), inventory.snapshots(), kernel.ledger(),
        kernel.clock(), link.api_base_url, link.agent_chart,
    )


@component
def actions() -> DynamoAgentActions:
    """The actions queued for each cluster's agent (DynamoDB, conditional writes)."""
    from spothive.adapters.dynamo.agent_actions import DynamoAgentActions

    kernel.core()
    return DynamoAgentActions(kernel.clock().now)


@component
def wake() -> RedisActionWake:
    """Wakes a cluster's long-poll when actions are queued."""
    from spothive.adapters.cache.action_wake import RedisActionWake

    return RedisActionWake(kernel.cache())


@component
def usage() -> UsageStore:
    """The latest usage sample per cluster: ``usage/<org>/<cluster>/latest.json`` in the data bucket."""
    from spothive.adapters.aws.snapshot_store import S3SnapshotStore
    from spothive.adapters.memory.snapshot_store import MemorySnapshotStore

    bucket = settings.load(SnapshotSettings).data_bucket
    if bucket:
        return S3SnapshotStore(bucket, kernel.core().region, prefix="usage")
    return MemorySnapshotStore()


@component
def channel() -> AgentChannel:
    """Actions long-poll, ack and result; usage; spot signals into the hive mind."""
    from spothive.adapters.cache.seen_signals import RedisSeenSignals
    from spothive.services.agent_actions import AgentChannel

    return AgentChannel(actions(), wake(), usage(), RedisSeenSignals(kernel.cache()), risk.hive_mind().ingest,
                        kernel.clock(), folder=workload_sizing.usage_folder())
