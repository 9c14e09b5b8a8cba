"""The live streams: the WebSocket API's routes and the log forwarder."""

from __future__ import annotations

from spothive.topology._shared import _AUTHENTICATE, _CALLER, _PUSH, _PUSH_SETTINGS, _SVC, _TOKEN_SETTINGS
from spothive.topology.specs import FunctionSpec, R, W, _tables

_STREAMS = f"{_SVC}streams.StreamService"
#: The live streams' WebSocket API (API Gateway): its three routes, and the log forwarder.
STREAM_FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "ws-connect", "ws_streams.connect", "Live streams: authenticate and subscribe a socket",
        services=(f"{_STREAMS}.subscription_for", f"{_STREAMS}.open_socket", _AUTHENTICATE),
        # the REST API's token; the discovery stream checks the account, the lab stream the experiment
        tables=_tables(**_CALLER, accounts=R, lab_experiments=R, stream_connections=W),
        needs_redis=True, settings=(*_TOKEN_SETTINGS, *_PUSH_SETTINGS), timeout_s=10,
    ),
    FunctionSpec(
        "ws-disconnect", "ws_streams.disconnect", "Live streams: forget a socket",
        services=(f"{_STREAMS}.close_socket",), tables=_tables(stream_connections=W),
        needs_redis=True, settings=_PUSH_SETTINGS, timeout_s=10,
    ),
    FunctionSpec(
        "ws-default", "ws_streams.default", "Live streams: push the messages after a cursor",
        services=(f"{_STREAMS}.poll_socket",),
        tables=_tables(lab_experiments=R, stream_connections=W),
        needs_redis=True, settings=_PUSH_SETTINGS, iam=(_PUSH,), timeout_s=10,
    ),
    FunctionSpec(
        "stream-logs", "stream_logs.handler", "Live streams: every function's logs into the platform log",
        services=(f"{_STREAMS}.log",), tables=_tables(stream_connections=R),
        needs_redis=True, settings=_PUSH_SETTINGS, iam=(_PUSH,), timeout_s=30,
        # CloudWatch Logs invokes it asynchronously with batches of every function's log events
        async_invoked=True, reserved_concurrency=5,
    ),
)
