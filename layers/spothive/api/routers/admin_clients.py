"""``/api/admin/clients``: every client org, paged by an opaque cursor (super admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from spothive.api.deps import AdminPrincipal
from spothive.domain.client_list import MAX_NAME_FILTER, ClientStatus
from spothive.services.admin_clients import MAX_LIMIT, AdminClients, ClientSummary
from spothive.wiring import admin

router = APIRouter(prefix="/api/admin", tags=["admin"])
Clients = Annotated[AdminClients, Depends(admin.clients)]


class ClientAccount(BaseModel):
    account_id: str
    status: str
    aws_account_id: str | None
    last_scan_at: datetime | None


class ClientAgent(BaseModel):
    cluster_id: str
    name: str
    status: str  # online | offline
    last_heartbeat: datetime | None


class Client(BaseModel):
    client_id: str
    name: str
    created_at: datetime
    status: ClientStatus
    accounts: list[ClientAccount]
    clusters: list[ClientAgent]
    agents_online: int
    running_instances: int
    monthly_spend: float
    realized_monthly_savings: float


class ClientList(BaseModel):
    clients: list[Client]
    next_cursor: str | None


def _client(summary: ClientSummary) -> Client:
    return Client(
        client_id=summary.org.org_id, name=summary.org.name, created_at=summary.org.created_at,
        status=summary.status,
        accounts=[ClientAccount(account_id=a.account_id, status=a.status.value, aws_account_id=a.aws_account_id,
                                last_scan_at=a.last_scan_at) for a in summary.accounts],
        clusters=[ClientAgent(cluster_id=g.cluster_id, name=g.name, status="online" if g.online else "offline",
                              last_heartbeat=g.last_heartbeat) for g in summary.agents],
        agents_online=sum(1 for g in summary.agents if g.online),
        running_instances=summary.running_instances, monthly_spend=summary.monthly_spend,
        realized_monthly_savings=summary.realized_monthly_savings,
    )


@router.get("/clients", response_model=ClientList)
def list_clients(
    principal: AdminPrincipal,
    clients: Clients,
    name: Annotated[str | None, Query(max_length=MAX_NAME_FILTER, description="name starts with (any case)")] = None,
    status: Annotated[ClientStatus | None, Query(description="only clients in this status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 25,
    cursor: Annotated[str | None, Query(max_length=1024, description="next_cursor of the previous page")] = None,
) -> ClientList:
    """Client orgs in name order (a Query of the orgs' ``by_listing`` index, never a Scan)."""
    page = clients.page(principal, limit=limit, cursor=cursor, name=name, status=status)
    return ClientList(clients=[_client(s) for s in page.clients], next_cursor=page.next_cursor)
