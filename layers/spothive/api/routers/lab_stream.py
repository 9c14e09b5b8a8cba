"""``/api/lab/stream/{id}``: an experiment's telemetry, step by step, then its outcome (WebSocket and GET)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, WebSocket

from spothive.api.deps import CurrentPrincipal
from spothive.api.streaming import CURSOR, StreamPage, Streams, page_body, serve

router = APIRouter(prefix="/api/lab", tags=["lab"])
_ID = Path(min_length=1, max_length=128, description="the experiment id")


@router.get("/stream/{id}", response_model=StreamPage)
def lab_page(principal: CurrentPrincipal, streams: Streams, id: Annotated[str, _ID],
             cursor: str | None = CURSOR) -> StreamPage:
    """Steps after ``cursor`` in order, then the status when it changed; ``done`` once the experiment ended."""
    return page_body(streams.read(streams.lab_stream(principal, id), cursor))


@router.websocket("/stream/{id}")
async def lab_socket(websocket: WebSocket, id: str) -> None:
    """The same messages as the experiment runs; the socket closes (1000) when it has ended."""
    await serve(websocket, lambda service, principal: service.lab_stream(principal, id))
