"""The API's rate limits per caller (the registry's figures), shared by the app and the CDK usage plan."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` requests per ``window_seconds`` for one caller."""

    name: str
    limit: int
    window_seconds: int


SIGNUP = RateLimit("signup", 5, 3600)
TOKEN = RateLimit("token", 10, 60)
DEFAULT = RateLimit("default", 100, 60)
#: One cluster's agent: a heartbeat every 30 s, a long-poll every 20 s, snapshots, usage, acks and results in
#: bursts while it carries out a plan stay far below this; a runaway or stolen token does not.
AGENT = RateLimit("agent", 300, 60)
#: Agent requests from one address before their token is looked up (many clusters may share a NAT).
AGENT_ADDRESS = RateLimit("agent-address", 1200, 60)

_BY_ROUTE: dict[tuple[str, str], RateLimit] = {
    ("POST", "/api/auth/signup"): SIGNUP,
    ("POST", "/api/auth/token"): TOKEN,
}


def limit_for(method: str, path: str) -> RateLimit:
    """The limit that applies to a route (the default for every route not named)."""
    return _BY_ROUTE.get((method.upper(), path.rstrip("/") or "/"), DEFAULT)

