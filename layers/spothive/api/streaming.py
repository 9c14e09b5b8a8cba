"""Serving a stream over a FastAPI WebSocket (the local stack) and as a polling page (everywhere).

Authentication is the REST API's token: offered as the subprotocol ``bearer.<ID token>`` beside
``spothive.v1`` (browsers cannot set headers on a WebSocket, and a subprotocol stays out of URLs and
access logs), or as ``?token=`` for clients that cannot. The socket is accepted, then closed at once
with 4401 (no, invalid or revoked token, and when the token expires mid-stream), 4403 (a client on an
admin stream), 4404 (another tenant's or an unknown target) or 4422 (a bad parameter), the reason
naming the cause. Otherwise it sends every message after ``?cursor=`` in order, then each new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from spothive.domain.errors import Forbidden, InvalidInput, NotFound, SpotHiveError, Unauthorized
from spothive.domain.identity import Principal
from spothive.domain.rate_limits import limit_for
from spothive.domain.streams import (
    CLOSE_FORBIDDEN,
    CLOSE_INVALID,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHORIZED,
    StreamKind,
)
from spothive.services.streams import StreamService, Subscription
from spothive.wiring import identity
from spothive.wiring import streams as streams_wiring

LOG = logging.getLogger(__name__)
SUBPROTOCOL = "spothive.v1"
_BEARER = "bearer."

#: What every stream route depends on: the stream service, and where a polling client resumes.
Streams = Annotated[StreamService, Depends(streams_wiring.streams)]
CURSOR = Query(default=None, max_length=64, description="the cursor of the last message received")


class StreamMessageBody(BaseModel):
    """One message (the same JSON on the socket and in a page)."""

    stream: str = Field(description="discovery:<org>, logs:platform or lab:<experiment id>")
    cursor: str = Field(description="hand back to receive only what follows this message")
    type: str = Field(description="scan.started, scan.region, scan.finished, scan.failed, log, step or status")
    at: str = Field(description="ISO 8601 UTC, milliseconds")
    data: dict[str, object]


class StreamPage(BaseModel):
    """The polling fallback: messages after ``cursor``, and the cursor to ask from next."""

    messages: list[StreamMessageBody]
    cursor: str
    done: bool = Field(description="true when the stream has ended (a finished experiment)")


def page_body(page: object) -> StreamPage:
    """A service ``Page`` as the response model."""
    return StreamPage.model_validate(page.as_dict())  # type: ignore[attr-defined]


def _token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to answer with) from the offered subprotocols or the ``token`` query parameter."""
    offered = websocket.scope.get("subprotocols") or []
    for protocol in offered:
        if protocol.startswith(_BEARER) and len(protocol) > len(_BEARER):
            return protocol[len(_BEARER):], SUBPROTOCOL if SUBPROTOCOL in offered else None
    answer = SUBPROTOCOL if SUBPROTOCOL in offered else None
    return websocket.query_params.get("token") or None, answer


def _close_code(exc: SpotHiveError) -> int:
    if isinstance(exc, Unauthorized):
        return CLOSE_UNAUTHORIZED
    if isinstance(exc, Forbidden):
        return CLOSE_FORBIDDEN
    if isinstance(exc, NotFound):
        return CLOSE_NOT_FOUND
    if isinstance(exc, InvalidInput):
        return CLOSE_INVALID
    return 1011


def _authenticate(websocket: WebSocket, token: str | None) -> Principal:
    if not token:
        raise Unauthorized("a token is required: subprotocol bearer.<token> or ?token=")
    principal = identity.auth().authenticate(token)
    identity.rate_limiter().check(f"user:{principal.user_id}", limit_for("GET", websocket.url.path))
    return principal


async def serve(websocket: WebSocket, subscribe: Callable[[StreamService, Principal], Subscription]) -> None:
    """Authenticate, authorize with ``subscribe``, then send messages until the client leaves."""
    token, answer = _token(websocket)
    await websocket.accept(subprotocol=answer)
    try:
        service = streams_wiring.streams()
        principal = await run_in_threadpool(_authenticate, websocket, token)
        subscription = await run_in_threadpool(subscribe, service, principal)
        cursor = websocket.query_params.get("cursor") or None
        if cursor is not None:
            await run_in_threadpool(service.read, subscription, cursor)  # a bad cursor closes with 4422 now
    except SpotHiveError as exc:
        await websocket.close(code=_close_code(exc), reason=exc.message[:120])
        return
    await _pump(websocket, service, subscription, principal, cursor)


async def _pump(websocket: WebSocket, service: StreamService, subscription: Subscription, principal: Principal,
                cursor: str | None) -> None:
    wait_ms = streams_wiring.stream_settings().stream_poll_ms
    left = asyncio.get_running_loop().create_future()

    async def watch() -> None:  # the client says nothing; a receive only tells us it left
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                await websocket.receive_text()
        if not left.done():
            left.set_result(True)

    watcher = asyncio.create_task(watch())
    try:
        while not left.done():
            if datetime.now(UTC) >= principal.expires_at:
                await websocket.close(code=CLOSE_UNAUTHORIZED, reason="token expired")
                return
            blocking = 0 if subscription.kind is StreamKind.LAB else wait_ms
            page = await run_in_threadpool(service.read, subscription, cursor, wait_ms=blocking)
            for message in page.messages:
                await websocket.send_json(message.as_dict())
            cursor = page.cursor
            if page.done:
                await websocket.close(code=1000, reason="stream ended")
                return
            if blocking == 0 and not page.messages:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(left), wait_ms / 1000)
    except (WebSocketDisconnect, RuntimeError):
        return
    except SpotHiveError as exc:  # the target vanished mid-stream
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=_close_code(exc), reason=exc.message[:120])
    except Exception as exc:  # the cache or a table failing: 1011, the client reconnects with its cursor
        LOG.warning("stream %s failed: %r", subscription.channel, exc)
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=1011, reason="stream unavailable; reconnect with your last cursor")
    finally:
        watcher.cancel()
