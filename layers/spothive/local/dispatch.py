"""In-process Lambda dispatch: moto's Lambda invoke runs the SpotHive handler in this process.

Without Docker, moto's Lambda backend (``LambdaSimpleBackend``, selected by ``lambda.use_docker=False``)
echoes the payload instead of running code. :func:`install` replaces its ``invoke`` with one that looks
the function up in a :class:`HandlerRegistry` (by default the ``functions.<module>.<attr>`` named by the
``spothive.topology`` spec of the same name) and returns the handler's JSON result. A handler exception
becomes an ``Unhandled`` function error whose ``errorType`` is the exception class, exactly as on AWS, so
a state machine's ``Retry``/``Catch`` sees the same error names. Functions with no handler keep moto's
default behaviour.

This is the only place that touches moto internals; everything else speaks boto3.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from spothive import topology
from spothive.adapters.memory.run_counters import RUNS

LOG = logging.getLogger("spothive.local.dispatch")

Handler = Callable[[Any, Any], Any]


class HandlerNotFound(LookupError):
    """No handler is registered or importable for a function name."""


@dataclass
class LambdaContext:
    """The subset of the Lambda context object handlers (and Powertools) read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 29
    function_version: str = "$LATEST"
    aws_request_id: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the configured timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve_handler(path: str) -> Handler:
    """Import ``module.attr`` from the top-level ``functions`` package."""
    module_name, _, attr = path.rpartition(".")
    module = importlib.import_module(f"functions.{module_name}")
    return getattr(module, attr)


class HandlerRegistry:
    """Function name → handler; overrides win over the topology's ``functions.<handler>``."""

    def __init__(self, specs: tuple[topology.FunctionSpec, ...] | None = None) -> None:
        self._specs = {spec.name: spec for spec in (specs if specs is not None else topology.ALL_FUNCTIONS)}
        self._overrides: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def register(self, name: str, handler: Handler) -> None:
        """Serve ``name`` with ``handler`` (tests and tools)."""
        with self._lock:
            self._overrides[name] = handler

    def unregister(self, name: str) -> None:
        """Drop an override (the topology handler serves again)."""
        with self._lock:
            self._overrides.pop(name, None)

    @contextmanager
    def override(self, handlers: Mapping[str, Handler]) -> Iterator[HandlerRegistry]:
        """Temporarily serve the given functions with the given handlers."""
        with self._lock:
            saved = {name: self._overrides.get(name) for name in handlers}
            self._overrides.update(handlers)
        try:
            yield self
        finally:
            with self._lock:
                for name, previous in saved.items():
                    if previous is None:
                        self._overrides.pop(name, None)
                    else:
                        self._overrides[name] = previous

    def knows(self, name: str) -> bool:
        """Whether ``name`` is a topology function or has an override."""
        return name in self._overrides or name in self._specs

    def handler(self, name: str) -> Handler:
        """The handler for ``name``; raises :class:`HandlerNotFound` or the import error."""
        with self._lock:
            override = self._overrides.get(name)
        if override is not None:
            return override
        spec = self._specs.get(name)
        if spec is None:
            raise HandlerNotFound(name)
        return resolve_handler(spec.handler)

    def context(self, name: str, arn: str = "") -> LambdaContext:
        """A Lambda context for one invocation of ``name``."""
        spec = self._specs.get(name)
        if spec is None:
            return LambdaContext(name, arn)
        return LambdaContext(name, arn, memory_limit_in_mb=spec.memory_mb, timeout_s=spec.timeout_s)

    def invoke(self, name: str, event: Any, arn: str = "") -> Any:
        """Run the handler for ``name`` with ``event`` in this thread and return its result (counted in the
        local run counters, which the admin health report reads)."""
        handler = self.handler(name)
        try:
            result = handler(event, self.context(name, arn))
        except BaseException:
            RUNS.record(name, datetime.now(UTC), ok=False)
            raise
        RUNS.record(name, datetime.now(UTC), ok=True)
        return result


#: The registry the patched moto backend and the ticker use.
registry = HandlerRegistry()
#: How ``InvocationType=Event`` invokes are delivered (the local stack's retries and dead-letter queues);
#: ``None``: once, the error logged.
_async_delivery: Callable[[str, Any], Any] | None = None


def set_async_delivery(deliver: Callable[[str, Any], Any] | None) -> None:
    """Route asynchronous invokes through ``deliver(function, event)`` (``None`` restores run-once)."""
    global _async_delivery
    _async_delivery = deliver

_original_invoke: Callable[..., Any] | None = None
_installs = 0
_install_lock = threading.Lock()


def error_payload(exc: BaseException) -> dict[str, Any]:
    """The body Lambda returns for an unhandled exception."""
    error_type = type(exc).__name__
    if isinstance(exc, ImportError):
        error_type = "Runtime.ImportModuleError"
    return {
        "errorMessage": str(exc),
        "errorType": error_type,
        "stackTrace": traceback.format_exception(exc)[-5:],
    }


def _decode_event(body: Any) -> Any:
    if body in (None, "", b""):
        return {}
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            return body
    return body


def run_invocation(name: str, arn: str, body: Any, headers: Mapping[str, str],
                   response_headers: dict[str, Any]) -> bytes:
    """Run one invocation as the Lambda service would: JSON result, or an error body and header."""
    event = _decode_event(body)
    inv_type = {k.lower(): v for k, v in headers.items()}.get("x-amz-invocation-type", "RequestResponse")
    if inv_type == "DryRun":
        return b""
    if inv_type == "Event":
        worker = threading.Thread(target=_run_async, args=(name, arn, event), name=f"lambda-{name}")
        worker.daemon = True
        worker.start()
        return b""
    try:
        result = registry.invoke(name, event, arn)
    except Exception as exc:
        LOG.warning("function %s failed: %s: %s", name, type(exc).__name__, exc)
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(error_payload(exc)).encode("utf-8")
    return json.dumps(result, default=str).encode("utf-8")


def _run_async(name: str, arn: str, event: Any) -> None:
    deliver = _async_delivery
    try:
        if deliver is not None:
            deliver(name, event)
        else:
            registry.invoke(name, event, arn)
    except Exception:
        LOG.exception("asynchronous invocation of %s failed", name)


def _dispatching_invoke(self: Any, function_name: str, qualifier: str | None, body: Any,
                        headers: Any, response_headers: Any) -> bytes | str | None:
    fn = self.get_function(function_name, qualifier)
    if not registry.knows(fn.function_name):
        assert _original_invoke is not None
        return _original_invoke(self, function_name, qualifier, body, headers, response_headers)
    payload = run_invocation(fn.function_name, fn.function_arn, body, headers, response_headers)
    response_headers["Content-Length"] = str(len(payload))
    return payload


def install() -> None:
    """Patch moto's Docker-less Lambda backend to dispatch to :data:`registry` (counted: each server
    that installs it uninstalls it, and moto's own invoke returns when the last one has)."""
    global _original_invoke, _installs
    from moto.awslambda_simple.models import LambdaSimpleBackend

    with _install_lock:
        _installs += 1
        if _original_invoke is None:
            _original_invoke = LambdaSimpleBackend.invoke
            LambdaSimpleBackend.invoke = _dispatching_invoke  # type: ignore[method-assign]


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores moto's own invoke."""
    global _original_invoke, _installs
    from moto.awslambda_simple.models import LambdaSimpleBackend

    with _install_lock:
        _installs = max(0, _installs - 1)
        if _installs == 0 and _original_invoke is not None:
            LambdaSimpleBackend.invoke = _original_invoke  # type: ignore[method-assign]
            _original_invoke = None


def installed() -> bool:
    """Whether moto's Lambda invocations currently run in-process handlers."""
    return _original_invoke is not None
