"""The API Gateway WebSocket API of the live streams: ``$connect``, ``$disconnect`` and ``$default``.

``$connect`` (``wss://…/live?stream=connect|logs|lab&account_id=|component_id=|id=&token=``, or the
token as the subprotocol ``bearer.<token>`` beside ``spothive.v1``) verifies the REST API's token and
the right to the stream, then stores the connection; a refusal answers the handshake with 401, 403,
404 or 422 (there is no socket yet to close with 4401). ``$default`` takes ``{"action": "poll",
"cursor"}`` and pushes the messages after the cursor; new discovery and log messages are pushed as
they are published.
"""

from __future__ import annotations

import json
from typing import Any

from spothive.domain.errors import SpotHiveError, Unauthorized, error_body
from spothive.observability import lambda_handler, logger
from spothive.wiring import identity
from spothive.wiring import streams as streams_wiring

CORRELATION = "requestContext.requestId"
SUBPROTOCOL = "spothive.v1"
_BEARER = "bearer."


def _refusal(exc: SpotHiveError) -> dict[str, Any]:
    logger.info("socket refused", extra={"code": exc.code, "field": exc.field})
    return {"statusCode": exc.status, "body": json.dumps(error_body(exc.code, exc.message, exc.field))}


def _offered(event: dict[str, Any]) -> list[str]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return [p.strip() for p in str(headers.get("sec-websocket-protocol") or "").split(",") if p.strip()]


@lambda_handler(CORRELATION)
def connect(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Authenticate and authorize a new socket; store what it follows."""
    params = {k: str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    offered = _offered(event)
    token = next((p[len(_BEARER):] for p in offered if p.startswith(_BEARER)), None) or params.get("token")
    service = streams_wiring.streams()
    try:
        if not token:
            raise Unauthorized("a token is required: subprotocol bearer.<token> or ?token=")
        principal = identity.auth().authenticate(token)
        subscription = service.subscription_for(principal, params.get("stream"), params)
        service.open_socket(str(event["requestContext"]["connectionId"]), subscription)
    except SpotHiveError as exc:
        return _refusal(exc)
    response: dict[str, Any] = {"statusCode": 200}
    if SUBPROTOCOL in offered:
        response["headers"] = {"Sec-WebSocket-Protocol": SUBPROTOCOL}
    return response


@lambda_handler(CORRELATION)
def disconnect(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """Forget the socket."""
    streams_wiring.streams().close_socket(str(event["requestContext"]["connectionId"]))
    return {"statusCode": 200}


@lambda_handler(CORRELATION)
def default(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """``{"action": "poll", "cursor"}``: push what follows the cursor; anything else is a 422."""
    connection_id = str(event["requestContext"]["connectionId"])
    try:
        body = json.loads(event.get("body") or "{}")
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("action") != "poll":
        return {"statusCode": 422, "body": json.dumps(error_body(
            "invalid_input", 'body: expected {"action": "poll", "cursor": "<cursor>"}', "action"))}
    try:
        page = streams_wiring.streams().poll_socket(connection_id, body.get("cursor") or None)
    except SpotHiveError as exc:
        return _refusal(exc)
    return {"statusCode": 200, "body": json.dumps({"cursor": page.cursor, "sent": len(page.messages),
                                                   "done": page.done})}
