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
#: The Secret (key ``token``) the install command creates and the chart mounts (``api.existingSecret``).
AGENT_SECRET = "spothive-agent-token"


@dataclass(frozen=True, slots=True)
class AgentHealth:
    """Green when the agent called in within the last 60 s."""

    status: str  # "green" | "red" ("unknown" when the heartbeat store cannot be read)
    last_seen: datetime | None
    seconds_since: float | None


def new_agent_token() -> str:
    """A random bearer token for one cluster's agent (shown once, stored as a hash)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 hex of a token: what SpotHive stores and looks tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def helm_command(cluster_id: str, cluster_name: str, api_url: str, chart: str = CHART) -> str:
    """The commands that install the agent: the token into a Secret, then the chart pointing at it.

    The token is read from the terminal (``read -rs``) and piped into the Secret, so it is neither on a
    command line, in the shell history, nor in the Helm release's values (``helm get values``)."""
    namespace = "spothive-system"
    secret = [
        "kubectl", "--namespace", namespace, "create", "secret", "generic", AGENT_SECRET,
        "--from-file=token=/dev/stdin", "--dry-run=client", "--output=yaml",
    ]
    helm = [
        "helm", "upgrade", "--install", "spothive-agent", chart,
        "--namespace", namespace,
        "--set", f"cluster.id={cluster_id}",
        "--set", f"cluster.name={cluster_name}",
        "--set", f"api.url={api_url}",
        "--set", f"api.existingSecret={AGENT_SECRET}",
    ]
    return "\n".join([
        "read -rsp 'SpotHive agent token: ' SPOTHIVE_AGENT_TOKEN && echo",
        f"kubectl create namespace {namespace} --dry-run=client --output=yaml | kubectl apply -f -",
        'printf %s "$SPOTHIVE_AGENT_TOKEN" | ' + _quoted(secret) + " | kubectl apply -f -",
        _quoted(helm),
    ])


def _quoted(parts: list[str]) -> str:
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
