"""The vocabulary of a manifest: access modes, buckets, grant targets, layers, and the function, schedule and
state machine specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources


class Access(StrEnum):
    """How a function uses a table or a bucket prefix.

    Tables: ``read`` (get, query, condition checks), ``write`` (also put, update, delete, batch write),
    ``append`` (the audit ledger: reads plus put and conditional update, never delete), ``stream``
    (reads the table's change stream). Buckets: ``read`` (get), ``append`` (get and put, never delete),
    ``write`` (get, put and delete). No mode allows a table Scan.
    """

    READ = "read"
    WRITE = "write"
    APPEND = "append"
    STREAM = "stream"


class Bucket(StrEnum):
    """The bucket roles: cluster snapshots and audit exports (data), risk model artifacts (model)."""

    DATA = "data"
    MODEL = "model"


class Target(StrEnum):
    """What an IAM grant applies to; ``ANY`` (``*``) only where the service has no resource scope."""

    CUSTOMER_ROLE = "customer-role"
    USER_POOL = "user-pool"
    STATE_MACHINE = "state-machine"
    FUNCTION = "function"
    IMPERSONATION_KEY = "impersonation-key"
    DEAD_LETTER_QUEUES = "dead-letter-queues"
    #: the live streams' WebSocket API stage (``POST @connections/*``)
    WEBSOCKET_API = "websocket-api"
    #: the SES identity the weekly report is sent from
    EMAIL_IDENTITY = "email-identity"
    ANY = "*"


class Layer(StrEnum):
    """Lambda layers: the core package and its dependencies, lightgbm/numpy, ``spothive_models``."""

    CORE = "core"
    ML = "ml"
    MODELS = "models"


@dataclass(frozen=True, slots=True)
class TableUse:
    """``table`` (a ``schema.ALL_TABLES`` suffix) used in ``mode``."""

    table: str
    mode: Access


@dataclass(frozen=True, slots=True)
class BucketUse:
    """Objects under ``prefix`` of the ``bucket`` role, used in ``mode`` (``read``/``append``/``write``)."""

    bucket: Bucket
    prefix: str
    mode: Access


@dataclass(frozen=True, slots=True)
class Grant:
    """IAM ``actions`` on ``target``; ``name`` names the state machine or function, ``reason`` says why."""

    actions: tuple[str, ...]
    target: Target
    name: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.target is Target.ANY and len(self.reason) < 30:
            raise ValueError(f"{self.actions}: a grant on '*' needs the reason the service has no resource scope")
        if (self.target in (Target.STATE_MACHINE, Target.FUNCTION)) != bool(self.name):
            raise ValueError(f"{self.actions}: name the {self.target} (and only a state machine or function)")


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One Lambda function and everything it touches; ``handler`` is ``module.attribute`` under ``functions/``.

    ``settings`` are the ``SPOTHIVE_*`` variables it reads beyond :data:`COMMON_SETTINGS` (and
    ``SPOTHIVE_REDIS_URL``, set when ``needs_redis``); the stack resolves their values.
    """

    name: str
    handler: str
    description: str
    #: Dotted names of the service classes (or methods) the handler and its routers call.
    services: tuple[str, ...] = ()
    tables: tuple[TableUse, ...] = ()
    buckets: tuple[BucketUse, ...] = ()
    needs_redis: bool = False
    settings: tuple[str, ...] = ()
    iam: tuple[Grant, ...] = ()
    layers: tuple[Layer, ...] = (Layer.CORE,)
    memory_mb: int = 512
    timeout_s: int = 29
    #: API path prefixes this function serves (empty for workers and workflow tasks).
    routes: tuple[str, ...] = ()
    #: ``(method, path)`` pairs reachable without a Cognito token.
    public_routes: tuple[tuple[str, str], ...] = ()
    #: Invoked asynchronously (EventBridge rules, ``InvocationType=Event``): Lambda retries
    #: :data:`ASYNC_RETRIES` times, then the event lands in the function's own dead-letter queue.
    async_invoked: bool = False
    #: Concurrent executions reserved for (and capped at) this function; see :data:`CONCURRENCY_BUDGET`.
    reserved_concurrency: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.reserved_concurrency <= CONCURRENCY_BUDGET:
            raise ValueError(f"{self.name}: reserved_concurrency must be 1..{CONCURRENCY_BUDGET}")
        if self.async_invoked and self.routes:
            raise ValueError(f"{self.name}: an API function is invoked synchronously, not async_invoked")

    @property
    def ml(self) -> bool:
        """Whether the function carries the ML layers."""
        return Layer.ML in self.layers

    def table_modes(self) -> dict[str, Access]:
        """Table suffix → access mode."""
        return {use.table: use.mode for use in self.tables}

    def environment(self) -> tuple[str, ...]:
        """Every ``SPOTHIVE_*`` variable the function receives."""
        return COMMON_SETTINGS + (REDIS_SETTING,) * self.needs_redis + self.settings


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """An EventBridge schedule that invokes ``function`` every ``minutes`` (or on ``cron`` on AWS)."""

    name: str
    function: str
    minutes: int
    description: str
    #: An EventBridge cron expression used on AWS instead of ``rate(minutes)`` (the local ticker keeps the period).
    cron: str = ""


@dataclass(frozen=True, slots=True)
class StateMachineSpec:
    """A Step Functions state machine whose ASL lives in ``spothive/workflows/<file>``.

    ``tasks`` maps each ``${Placeholder}`` in the definition to the function that serves it.
    """

    name: str
    file: str
    tasks: dict[str, str] = field(default_factory=dict)

    def definition(self) -> str:
        """The raw ASL with ``${...Arn}`` placeholders."""
        return resources.files("spothive.workflows").joinpath(self.file).read_text(encoding="utf-8")


#: Asynchronous invocations: retries after the first failure, and how old an event may grow before it is
#: dead-lettered instead (the same numbers for Lambda's async config and EventBridge targets).
ASYNC_RETRIES = 2
ASYNC_MAX_EVENT_AGE_S = 3600
#: Upper bound on the sum of every function's reserved concurrency. An account starts with 1000 concurrent
#: executions and Lambda keeps 100 unreserved; SpotHive keeps its share small so the rest of the account
#: (and the on-demand pool the custom-resource handlers draw from) is never starved.
CONCURRENCY_BUDGET = 150

#: Every function reads these; the stack sets them on all of them.
COMMON_SETTINGS = ("SPOTHIVE_REGION", "SPOTHIVE_TABLE_PREFIX")
REDIS_SETTING = "SPOTHIVE_REDIS_URL"
AUDIT_TABLE = "audit-logs"

R, W, A = Access.READ, Access.WRITE, Access.APPEND


def _tables(**modes: Access) -> tuple[TableUse, ...]:
    """``_tables(audit_logs=A)`` → ``(TableUse("audit-logs", A),)``."""
    return tuple(TableUse(name.replace("_", "-"), mode) for name, mode in modes.items())

