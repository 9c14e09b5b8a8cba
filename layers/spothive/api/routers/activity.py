"""``/api/activity``: the dashboard's live feed, read from the audit ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from spothive.api.deps import CurrentPrincipal
from spothive.wiring import audit as audit_wiring

if TYPE_CHECKING:  # the wiring imports a service when it builds it (SnapStart's prime, or a first request)
    from spothive.services.audit import AuditService

router = APIRouter(prefix="/api/activity", tags=["activity"])
Audit = Annotated["AuditService", Depends(audit_wiring.audit)]


class ActivityEvent(BaseModel):
    id: int
    timestamp: str
    actor: str
    action: str
    message: str


class ActivityFeed(BaseModel):
    events: list[ActivityEvent]


@router.get("/live", response_model=ActivityFeed)
def live(principal: CurrentPrincipal, audit: Audit) -> ActivityFeed:
    """The last 50 actions in the caller's org, newest first, each as a sentence."""
    items = audit.activity(principal.org_id)
    return ActivityFeed(events=[
        ActivityEvent(id=i.seq, timestamp=i.timestamp, actor=i.actor, action=i.action, message=i.message)
        for i in items
    ])
