"""Agents: the in-cluster agent's token, heartbeats and snapshots."""

from __future__ import annotations

from spothive import settings
from spothive.adapters.cache.heartbeats import RedisHeartbeats
from spothive.adapters.dynamo.agent_tokens import DynamoAgentTokens
from spothive.services.agents import AgentService
from spothive.settings import AgentLinkSettings
from spothive.wiring import inventory, kernel
from spothive.wiring.registry import component


@component
def heartbeats() -> RedisHeartbeats:
    """When each cluster's agent last called in."""
    return RedisHeartbeats(kernel.cache())


@component
def agents() -> AgentService:
    """Install command, agent authentication, heartbeats and snapshot uploads."""
    return AgentService(
        inventory.repo(), DynamoAgentTokens(kernel.ledger()), heartbeats(), inventory.snapshots(), kernel.ledger(),
        kernel.clock(), settings.load(AgentLinkSettings).api_base_url,
    )
