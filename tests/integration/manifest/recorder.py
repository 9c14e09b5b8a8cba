"""Record every AWS call and Redis command the process makes, attributed to the function running.

The hook is a botocore event handler appended to ``botocore.handlers.BUILTIN_HANDLERS``, so every
botocore session created afterwards carries it: boto3's, the adapters' own sessions and pynamodb's
(its connection builds a botocore client from ``botocore.session.get_session()``). It does not care how
services are built. Attribution is a context variable set while a handler or a route group serves a
request; calls made with no function running (test setup, background listener threads) are kept
apart. Calls signed with assumed-role credentials (anything but the hub's) are customer-account
calls: the customer role's policy governs them, not the function's. A thread a function starts (the
model hot-swap listener) works for that function, so it inherits the attribution.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import botocore.handlers
import redis.connection

RUNNING: ContextVar[str | None] = ContextVar("spothive_function", default=None)
HUB_ACCESS_KEY = "testing"
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem",
             "Get": "GetItem"}


@dataclass(frozen=True)
class Call:
    """One IAM-level action: ``dynamodb:PutItem`` on table ``it-users``, ``s3:PutObject`` on a key, ..."""

    function: str | None
    action: str
    #: Table name, bucket + key prefix, user pool, state machine ARN, function name, role ARN or "".
    resource: str
    customer: bool = False


def _resources(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, resource) pairs one API call needs."""
    if service == "dynamodb":
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return [(f"dynamodb:{_TRANSACT[kind]}", body["TableName"])
                    for item in params.get("TransactItems", []) for kind, body in item.items()]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", table) for table in params.get("RequestItems", {})]
        return [(f"dynamodb:{operation}", str(params.get("TableName", "")))]
    if service == "s3":
        key = str(params.get("Key") or params.get("Prefix") or "")
        prefix = key.split("/", 1)[0] + "/" if "/" in key else key
        action = {"HeadObject": "GetObject", "ListObjectsV2": "ListBucket"}.get(operation, operation)
        return [(f"s3:{action}", f"{params.get('Bucket', '')}/{prefix}")]
    if service == "lambda" and operation == "Invoke":
        return [("lambda:InvokeFunction", str(params.get("FunctionName", "")))]
    if service == "states":
        return [(f"states:{operation}", str(params.get("stateMachineArn", "")))]
    if service == "cognito-idp":
        return [(f"cognito-idp:{operation}", str(params.get("UserPoolId", "")))]
    if service == "sts":
        return [(f"sts:{operation}", str(params.get("RoleArn", "")))]
    if service == "execute-api" and operation == "PostToConnection":  # IAM names it ManageConnections
        return [("execute-api:ManageConnections", params.get("ConnectionId", ""))]
    return [(f"{service}:{operation}", "*")]


#: Services whose IAM action prefix is not their signing name (CloudWatch signs as "monitoring").
IAM_PREFIX = {"monitoring": "cloudwatch"}


class Recorder:
    """Collects :class:`Call` records and Redis use per function while installed."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.redis: set[str | None] = set()
        self._lock = threading.Lock()

    # botocore handlers --------------------------------------------------------------------------
    def _before_parameter_build(self, params: dict[str, Any], model: Any, context: dict[str, Any],
                                **_: Any) -> None:
        service = model.service_model.signing_name or model.service_model.endpoint_prefix
        service = IAM_PREFIX.get(service, service)
        context["spothive_calls"] = _resources(service, model.name, dict(params))

    def _before_call(self, request_signer: Any, context: dict[str, Any], **_: Any) -> None:
        credentials = request_signer._credentials  # the key the request is signed with
        access_key = credentials.get_frozen_credentials().access_key if credentials else ""
        customer = access_key != HUB_ACCESS_KEY
        function = RUNNING.get()
        with self._lock:
            self.calls.extend(Call(function, action, resource, customer)
                              for action, resource in context.get("spothive_calls", []))

    # redis ------------------------------------------------------------------------------------
    def _note_redis(self) -> None:
        with self._lock:
            self.redis.add(RUNNING.get())

    def handlers(self) -> list[tuple[str, Callable[..., Any]]]:
        """The (event, handler) pairs botocore sessions register."""
        return [("before-parameter-build", self._before_parameter_build), ("before-call", self._before_call)]

    def of(self, function: str) -> list[Call]:
        """The calls attributed to ``function``."""
        with self._lock:
            return [c for c in self.calls if c.function == function]


@contextlib.contextmanager
def installed() -> Iterator[Recorder]:
    """Install a recorder for every botocore session created from now on, and on Redis connections."""
    recorder = Recorder()
    added = recorder.handlers()
    botocore.handlers.BUILTIN_HANDLERS.extend(added)
    original = redis.connection.AbstractConnection.send_packed_command

    def send_packed_command(self: Any, command: Any, check_health: bool = True) -> Any:
        recorder._note_redis()
        return original(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = send_packed_command  # type: ignore[method-assign]
    start = threading.Thread.start

    def start_attributed(self: threading.Thread) -> None:
        if RUNNING.get() is not None:
            context, run = contextvars.copy_context(), self.run
            self.run = lambda: context.run(run)  # type: ignore[method-assign]
        start(self)

    threading.Thread.start = start_attributed  # type: ignore[method-assign]
    try:
        yield recorder
    finally:
        threading.Thread.start = start  # type: ignore[method-assign]
        redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        for pair in added:
            botocore.handlers.BUILTIN_HANDLERS.remove(pair)


@contextlib.contextmanager
def running(function: str | None) -> Iterator[None]:
    """Attribute the calls made in this context (and the threads it hands work to) to ``function``."""
    token = RUNNING.set(function)
    try:
        yield
    finally:
        RUNNING.reset(token)


def attributing_app(app: Any, function: str) -> Callable[..., Any]:
    """An ASGI app that serves ``app`` with every request attributed to ``function``."""

    async def serve(scope: Any, receive: Any, send: Any) -> None:
        with running(function):
            await app(scope, receive, send)

    return serve
