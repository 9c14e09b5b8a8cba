"""``/api/connect/stream``: discovery progress of the caller's accounts (a WebSocket, and a polling GET)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, WebSocket

from spothive.api.deps import CurrentPrincipal
from spothive.api.streaming import StreamPage, page_body, serve
from spothive.services.streams import StreamService
from spothive.wiring import streams as streams_wiring

router = APIRouter(prefix="/api/connect", tags=["connect"])
Streams = Annotated[StreamService, Depends(streams_wiring.streams)]
_ACCOUNT = Query(default=None, min_length=1, max_length=64, description="only this account's scans")
_CURSOR = Query(default=None, max_length=64, description="the cursor of the last message received")


@router.get("/stream", response_model=StreamPage)
def discovery_page(principal: CurrentPrincipal, streams: Streams, account_id: str | None = _ACCOUNT,
                   cursor: str | None = _CURSOR) -> StreamPage:
    """Discovery progress after ``cursor``: regions scanned, clusters and instances found, per account."""
    return page_body(streams.read(streams.discovery_stream(principal, account_id), cursor))


@router.websocket("/stream")
async def discovery_socket(websocket: WebSocket) -> None:
    """The same messages as they happen (``?account_id=`` to follow one account)."""
    account_id = websocket.query_params.get("account_id") or None
    await serve(websocket, lambda service, principal: service.discovery_stream(principal, account_id))
