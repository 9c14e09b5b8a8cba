"""``/api/connect/stream``: discovery progress of the caller's accounts (a WebSocket, and a polling GET)."""

from __future__ import annotations

from fastapi import APIRouter, Query, WebSocket

from spothive.api.deps import CurrentPrincipal
from spothive.api.streaming import CURSOR, StreamPage, Streams, page_body, serve

router = APIRouter(prefix="/api/connect", tags=["connect"])
_ACCOUNT = Query(default=None, min_length=1, max_length=64, description="only this account's scans")


@router.get("/stream", response_model=StreamPage)
def discovery_page(principal: CurrentPrincipal, streams: Streams, account_id: str | None = _ACCOUNT,
                   cursor: str | None = CURSOR) -> StreamPage:
    """Discovery progress after ``cursor``: regions scanned, clusters and instances found, per account."""
    return page_body(streams.read(streams.discovery_stream(principal, account_id), cursor))


@router.websocket("/stream")
async def discovery_socket(websocket: WebSocket) -> None:
    """The same messages as they happen (``?account_id=`` to follow one account)."""
    account_id = websocket.query_params.get("account_id") or None
    await serve(websocket, lambda service, principal: service.discovery_stream(principal, account_id))
