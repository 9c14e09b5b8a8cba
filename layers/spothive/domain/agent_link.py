"""Connecting a cluster's in-cluster agent: tokens, the Helm command, heartbeat health."""

from __future__ import annotations

import hashlib
import secrets
import shlex
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_PREFIX = "sh_agent_"
HEALTHY_WITHIN = timedelta(seconds=60)
CHART = "oci://public.ecr.aws/spothive/charts/spothive-agent"


@dataclass(frozen=True, slots=True)
class AgentHealth:
    """Green when the agent called in within the last 60 s."""

    status: str  # "green" | "red"
    last_seen: datetime | None
    seconds_since: float | None


def new_agent_token() -> str:
    """A random bearer token for one cluster's agent (shown once, stored as a hash)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 hex of a token: what SpotHive stores and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def helm_command(cluster_id: str, cluster_name: str, api_url: str, token: str) -> str:
    """The command that installs the agent into the cluster, every value shell-quoted."""
    parts = [
        "helm", "upgrade", "--install", "spothive-agent", CHART,
        "--namespace", "spothive-system", "--create-namespace",
        "--set", f"cluster.id={cluster_id}",
        "--set", f"cluster.name={cluster_name}",
        "--set", f"api.url={api_url}",
        "--set", f"api.token={token}",
    ]
    return " ".join(shlex.quote(p) for p in parts)


def agent_health(last_seen: datetime | None, now: datetime) -> AgentHealth:
    """Green under 60 s since the last heartbeat, red otherwise (and when never seen)."""
    if last_seen is None:
        return AgentHealth("red", None, None)
    since = (now - last_seen).total_seconds()
    return AgentHealth("green" if since < HEALTHY_WITHIN.total_seconds() else "red", last_seen, since)


@dataclass(frozen=True, slots=True)
class Enqueued:
    """What an idempotent enqueue did: stream entry ids in action order, and how many were new."""

    entry_ids: tuple[str, ...]
    new: int


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """What a withdrawal did: entries removed before the agent took them, and entries already taken."""

    withdrawn: tuple[str, ...]
    taken: tuple[str, ...]
