"""Powertools for every handler: one JSON logger (stdlib loggers routed into it), X-Ray tracing and
CloudWatch EMF business metrics, with the correlation id taken from the invoking event.

Service name and metrics namespace come from ``POWERTOOLS_SERVICE_NAME`` and
``POWERTOOLS_METRICS_NAMESPACE`` (set per function by the CDK app); locally the stack disables tracing
and metrics output (``POWERTOOLS_TRACE_DISABLED`` / ``POWERTOOLS_METRICS_DISABLED``).
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "SpotHive"))
#: Libraries whose own loggers stay out of the JSON stream (too chatty at INFO).
_QUIET = {"botocore", "boto3", "urllib3", "s3transfer"}

#: Where each kind of invocation keeps the id that ties its logs together.
API_GATEWAY = correlation_paths.API_GATEWAY_REST
EVENT_BRIDGE = correlation_paths.EVENT_BRIDGE
#: Step Functions tasks receive the job's state: the job id correlates every step of one run.
STEP_FUNCTIONS = "job_id || experiment_id || state.experiment_id"

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class _LocalContext:
    """What the local stack passes where Lambda would pass its context object."""

    function_name: str = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "spothive-local")
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 0
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:spothive-local"
    aws_request_id: str = ""


def lambda_handler(
    correlation_id_path: str, component: tuple[str, str] | None = None,
) -> Callable[[Handler], Handler]:
    """Decorate a handler with the Lambda context in every log line, an X-Ray segment and EMF flushing.

    With ``component`` (``(component_id, action)``, e.g. ``("WORK-DISC-01", "SCAN-ACCOUNTS")``) every
    invocation also logs the mapping's trace line (:func:`traced`).
    """

    def decorate(fn: Handler) -> Handler:
        # every stdlib logger imported so far (the handler's wiring) writes through the JSON logger
        copy_config_to_registered_loggers(source_logger=logger, exclude=_QUIET)
        inner = _traced_handler(fn, *component) if component else fn
        logged = logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(inner)
        traced = metrics.log_metrics(_tracer().capture_lambda_handler(logged) if _on_lambda() else logged)

        @functools.wraps(fn)
        def handler(event: dict[str, Any] | None = None, context: Any = None) -> Any:
            try:
                return traced(event if event is not None else {}, context if context is not None else _LocalContext(aws_request_id=str(uuid.uuid4())))
            finally:
                # the local stack runs every handler in one process: what it logs between invocations
                # must not carry the last handler's request id and function name
                logger.clear_state()

        return handler

    return decorate


def _on_lambda() -> bool:
    """Tracing needs the X-Ray daemon Lambda runs (the SDK costs ~0.5 s to import: never pay it elsewhere)."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and os.environ.get("POWERTOOLS_TRACE_DISABLED") != "true"


@functools.cache
def _tracer() -> Any:
    """The Powertools tracer (X-Ray), built only where it traces."""
    from aws_lambda_powertools import Tracer

    return Tracer()


def count(name: str, value: float = 1) -> None:
    """Add a business metric (``ScansFailed``, ``ActionsApproved`` …) to this invocation's EMF record."""
    if value:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def gauge(name: str, value: float, unit: MetricUnit = MetricUnit.Percent) -> None:
    """Add a measured value (``PlanGap``) to this invocation's EMF record."""
    metrics.add_metric(name=name, unit=unit, value=value)


@dataclass
class Step:
    """One traced step; set ``result`` (``DRYRUN``, ``SKIPPED`` …) to report more than success or failure."""

    component_id: str
    action: str
    result: str = "SUCCESS"


@contextmanager
def traced(component_id: str, action: str) -> Iterator[Step]:
    """Log ``[COMPONENT-ID] [ACTION] [RESULT] [DURATION]`` when the block ends (the system mapping's
    component trace), with ``component_id``, ``action``, ``result`` and ``duration_ms`` as fields.

    An exception is logged as ``FAILURE`` (at error level, with its type) and re-raised.
    """
    step = Step(component_id, action)
    started = time.perf_counter()
    error: str | None = None
    try:
        yield step
    except BaseException as exc:
        step.result, error = "FAILURE", type(exc).__name__
        raise
    finally:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        fields: dict[str, Any] = {"component_id": component_id, "action": action, "result": step.result,
                                  "duration_ms": duration_ms}
        message = f"[{component_id}] [{action}] [{step.result}] [{format_duration(duration_ms)}]"
        if error is None:
            logger.info(message, extra=fields)
        else:
            logger.error(message, extra={**fields, "error_type": error})


def format_duration(duration_ms: float) -> str:
    """``12ms`` below a second, ``4.2s`` from one second on (the mapping's examples)."""
    return f"{duration_ms:.0f}ms" if duration_ms < 1000 else f"{duration_ms / 1000:.1f}s"


def _traced_handler(fn: Handler, component_id: str, action: str) -> Handler:
    """``fn`` inside :func:`traced`; a result that says it was a dry run is logged as ``DRYRUN``."""

    @functools.wraps(fn)
    def run(event: dict[str, Any], context: Any) -> Any:
        with traced(component_id, action) as step:
            result = fn(event, context)
            if isinstance(result, dict) and (result.get("dry_run") is True or result.get("mode") == "dry_run"):
                step.result = "DRYRUN"
            return result

    return run
