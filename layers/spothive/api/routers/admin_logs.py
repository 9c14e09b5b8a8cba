"""``/api/admin/logs``: the platform's structured logs, by component (super admins; WebSocket and GET)."""

from __future__ import annotations

from fastapi import APIRouter, Query, WebSocket

from spothive.api.deps import AdminPrincipal
from spothive.api.streaming import CURSOR, StreamPage, Streams, page_body, serve

router = APIRouter(prefix="/api/admin", tags=["admin"])
_COMPONENT = Query(default=None, max_length=64, description="only records of this component_id (e.g. WORK-DISC-01)")


@router.get("/logs", response_model=StreamPage)
def logs_page(principal: AdminPrincipal, streams: Streams, component_id: str | None = _COMPONENT,
              cursor: str | None = CURSOR) -> StreamPage:
    """Log records after ``cursor``, oldest first (the platform keeps the newest 10 000)."""
    return page_body(streams.read(streams.logs_stream(principal, component_id), cursor))


@router.websocket("/logs")
async def logs_socket(websocket: WebSocket) -> None:
    """The same records as they are written (``?component_id=`` to follow one component)."""
    component_id = websocket.query_params.get("component_id") or None
    await serve(websocket, lambda service, principal: service.logs_stream(principal, component_id))
