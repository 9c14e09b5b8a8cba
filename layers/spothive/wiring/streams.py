"""Live streams: the Redis event log, the lab records, and on AWS the open sockets and their pusher."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import StreamSettings
from spothive.wiring import kernel
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.dynamo.stream_connections import DynamoStreamConnections
    from spothive.adapters.log_stream import LogStreamHandler
    from spothive.services.streams import StreamService


@component
def stream_settings() -> StreamSettings:
    """The WebSocket stage (AWS) and the local sockets' wait."""
    return settings.load(StreamSettings)


@component
def connections() -> DynamoStreamConnections:
    """Open API Gateway sockets and what each follows."""
    from spothive.adapters.dynamo.stream_connections import DynamoStreamConnections

    kernel.core()  # binds the stream-connections table
    return DynamoStreamConnections(kernel.clock().now)


@component
def streams() -> StreamService:
    """Authorize, read and publish the streams; with a WebSocket stage configured, publishing also pushes."""
    from spothive.adapters.aws.socket_pusher import ApiGatewaySocketPusher
    from spothive.adapters.cache.event_log import RedisEventLog
    from spothive.adapters.dynamo.lab_repo import DynamoLabRepo
    from spothive.services.streams import StreamService
    from spothive.wiring import accounts  # accounts wires discovery, which publishes here

    endpoint = stream_settings().websocket_endpoint
    region = kernel.core().region
    log, lab, tenancy, clock = RedisEventLog(kernel.cache()), DynamoLabRepo(), accounts.tenancy(), kernel.clock()
    if not endpoint:
        return StreamService(log, lab, tenancy, clock)
    return StreamService(log, lab, tenancy, clock, connections=connections(),
                         pusher=ApiGatewaySocketPusher(endpoint, region))


def install_log_stream(logger_name: str = "spothive") -> LogStreamHandler:
    """Copy ``logger_name``'s records into the platform log stream (once per process)."""
    from spothive.adapters.log_stream import LogStreamHandler

    target = logging.getLogger(logger_name)
    for handler in target.handlers:
        if isinstance(handler, LogStreamHandler):
            return handler
    handler = LogStreamHandler(lambda record: streams().log(record))
    target.addHandler(handler)
    if target.level == logging.NOTSET or target.level > logging.INFO:
        target.setLevel(logging.INFO)
    return handler
