"""The global risk tracker in Redis/Valkey (SVC-RISK-GLB).

Keys per pool (no tenant data in any of them):

- ``RISK:{zone}:{type}``     ``"DANGER"`` or ``"WARN"``, TTL ``risk_flag_ttl_seconds`` (default 1800 s)
- ``RISKMETA:{zone}:{type}`` JSON ``{"level", "count", "last_seen"}``, same TTL as the flag
- ``RISKWIN:{zone}:{type}``  sorted set of anonymous interruption tokens scored by epoch ms, trimmed to
  the sliding window on every write

A flag write is one Lua script (atomic, one round trip) that also publishes the flag on ``risk:events``.
A lookup is one ``MGET`` over the flag and metadata keys of every candidate pool: never KEYS or SCAN.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import redis

from spothive.adapters.cache.channel_listener import ChannelListener
from spothive.domain.errors import ServiceUnavailable
from spothive.domain.risk_signals import FlagLevel, PoolFlag, PoolSignal

LOG = logging.getLogger(__name__)
CHANNEL = "risk:events"
FLAG_PREFIX = "RISK:"
META_PREFIX = "RISKMETA:"
WINDOW_PREFIX = "RISKWIN:"

# KEYS: flag, meta, window. ARGV: level, ttl_s, now_ms, window_ms, member, last_seen, channel, zone, type, kind
_FLAG_SCRIPT = """
local current = redis.call('GET', KEYS[1])
local level = ARGV[1]
local ttl_ms = tonumber(ARGV[2]) * 1000
if current == 'DANGER' and level == 'WARN' then
  level = 'DANGER'
  local left = redis.call('PTTL', KEYS[1])
  if left > 0 then ttl_ms = left end
end
redis.call('SET', KEYS[1], level, 'PX', ttl_ms)
local now = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
if ARGV[1] == 'DANGER' then
  redis.call('ZADD', KEYS[3], now, ARGV[5])
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. tostring(now - window))
local count = redis.call('ZCARD', KEYS[3])
if count > 0 then redis.call('PEXPIRE', KEYS[3], window) end
local meta = cjson.encode({level = level, count = count, last_seen = ARGV[6]})
redis.call('SET', KEYS[2], meta, 'PX', ttl_ms)
redis.call('PUBLISH', ARGV[7], cjson.encode({
  pool = ARGV[8] .. ':' .. ARGV[9], zone = ARGV[8], instance_type = ARGV[9],
  level = level, count = count, last_seen = ARGV[6], kind = ARGV[10]}))
return meta
"""


def _suffix(zone: str, instance_type: str) -> str:
    return f"{zone}:{instance_type}"


class RedisRiskTracker:
    """``RiskSignals`` on Redis. Any Redis failure surfaces as ``ServiceUnavailable``."""

    def __init__(self, client: redis.Redis, channel: str = CHANNEL) -> None:
        self._redis = client
        self._channel = channel
        self._script = client.register_script(_FLAG_SCRIPT)

    def flag(self, signal: PoolSignal, *, ttl_seconds: int, window_seconds: int) -> PoolFlag:
        """Raise, count and publish in one atomic script."""
        suffix = _suffix(signal.zone, signal.instance_type)
        observed = signal.observed_at
        args = [
            signal.kind.level.value, max(1, ttl_seconds), int(observed.timestamp() * 1000),
            max(1, window_seconds) * 1000, signal.member,
            observed.isoformat(timespec="seconds").replace("+00:00", "Z"), self._channel,
            signal.zone, signal.instance_type, signal.kind.value,
        ]
        keys = [FLAG_PREFIX + suffix, META_PREFIX + suffix, WINDOW_PREFIX + suffix]
        try:
            meta = json.loads(self._script(keys=keys, args=args))
        except redis.RedisError as exc:
            raise ServiceUnavailable("the risk tracker is unavailable") from exc
        return PoolFlag(signal.zone, signal.instance_type, FlagLevel(meta["level"]), int(meta["count"]),
                        meta.get("last_seen"))

    def lookup(self, pools: Sequence[tuple[str, str]]) -> dict[str, PoolFlag]:
        """One MGET over ``[RISK:…, RISKMETA:…]`` pairs; returns flags keyed ``RISK:{zone}:{type}``."""
        if not pools:
            return {}
        keys: list[str] = []
        for zone, itype in pools:
            suffix = _suffix(zone, itype)
            keys += [FLAG_PREFIX + suffix, META_PREFIX + suffix]
        try:
            values = self._redis.mget(keys)
        except redis.RedisError as exc:
            raise ServiceUnavailable("the risk tracker is unavailable") from exc
        flags: dict[str, PoolFlag] = {}
        for i, (zone, itype) in enumerate(pools):
            level, meta_text = values[2 * i], values[2 * i + 1]
            if level not in ("DANGER", "WARN"):
                continue
            meta = _meta(meta_text)
            flag = PoolFlag(zone, itype, FlagLevel(level), int(meta.get("count", 0)), meta.get("last_seen"))
            flags[flag.key] = flag
        return flags

    def lookup_naive(self, pools: Sequence[tuple[str, str]]) -> dict[str, str]:
        """One GET per pool (the benchmark's baseline; never used on a hot path)."""
        out: dict[str, str] = {}
        for zone, itype in pools:
            value = self._redis.get(FLAG_PREFIX + _suffix(zone, itype))
            if value:
                out[FLAG_PREFIX + _suffix(zone, itype)] = str(value)
        return out


def _meta(text: Any) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class RiskEventListener(ChannelListener):
    """A daemon thread subscribed to ``risk:events`` that hands each flag to ``on_flag``."""

    def __init__(self, client: redis.Redis, on_flag: Callable[[PoolFlag], None], channel: str = CHANNEL) -> None:
        super().__init__(client, channel, _flag_of, on_flag, "risk-events")


def _flag_of(raw: Any) -> PoolFlag:
    data = json.loads(raw)
    return PoolFlag(data["zone"], data["instance_type"], FlagLevel(data["level"]),
                    int(data.get("count", 0)), data.get("last_seen"))
