"""What every context shares: core settings bound to the tables, the clock, Redis and the audit ledger.

Like every wiring module, a builder imports its adapter when it first runs: importing the module costs
nothing, so a function loads redis-py, pynamodb or botocore only if it builds something that uses them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import CoreSettings, RedisSettings, SafetySettings
from spothive.wiring.registry import component, on_reset

if TYPE_CHECKING:
    import redis

    from spothive.adapters.cache.safe_mode import RedisSafeMode
    from spothive.adapters.dynamo.audit_store import AuditStore
    from spothive.adapters.system_clock import SystemClock

on_reset(settings.clear)


@component
def core() -> CoreSettings:
    """Region, table prefix and endpoint; binds the pynamodb models to this deployment's tables."""
    from spothive.adapters.dynamo import models

    found = settings.load(CoreSettings)
    models.bind(found.table_prefix, found.region, found.aws_endpoint_url)
    return found


@component
def clock() -> SystemClock:
    """The wall clock (tests override it with a fixed one)."""
    from spothive.adapters.system_clock import SystemClock

    return SystemClock()


@component
def cache() -> redis.Redis:
    """The Redis/Valkey client (redis-py imports ``redis.asyncio`` too: only functions that use Redis pay)."""
    from spothive.adapters.cache.redis_client import redis_client

    return redis_client(settings.load(RedisSettings).redis_url)


@component
def ledger() -> AuditStore:
    """The hash-chained audit ledger every audited write goes through."""
    from spothive.adapters.dynamo.audit_store import AuditStore

    c = core()
    return AuditStore(c.region, c.aws_endpoint_url, clock().now)


@component
def safe_mode() -> RedisSafeMode:
    """The SAFE_MODE flag: the deployment's setting, overridable at run time in Redis."""
    from spothive.adapters.cache.safe_mode import RedisSafeMode

    return RedisSafeMode(cache(), settings.load(SafetySettings).safe_mode)


def global_safe_mode() -> bool:
    """The deployment's SAFE_MODE setting."""
    return settings.load(SafetySettings).safe_mode
