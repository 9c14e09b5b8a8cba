"""``/api/lab/stream/{id}``: an experiment's telemetry, step by step, then its outcome (WebSocket and GET)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, WebSocket

from spothive.api.deps import CurrentPrincipal
from spothive.api.streaming import StreamPage, page_body, serve
from spothive.services.streams import StreamService
from spothive.wiring import streams as streams_wiring

router = APIRouter(prefix="/api/lab", tags=["lab"])
Streams = Annotated[StreamService, Depends(streams_wiring.streams)]
_ID = Path(min_length=1, max_length=128, description="the experiment id")
_CURSOR = Query(default=None, max_length=64, description="the cursor of the last message received")


@router.get("/stream/{id}", response_model=StreamPage)
def lab_page(principal: CurrentPrincipal, streams: Streams, id: Annotated[str, _ID],
             cursor: str | None = _CURSOR) -> StreamPage:
    """Steps after ``cursor`` in order, then the status when it changed; ``done`` once the experiment ended."""
    return page_body(streams.read(streams.lab_stream(principal, id), cursor))


@router.websocket("/stream/{id}")
async def lab_socket(websocket: WebSocket, id: str) -> None:
    """The same messages as the experiment runs; the socket closes (1000) when it has ended."""
    await serve(websocket, lambda service, principal: service.lab_stream(principal, id))
