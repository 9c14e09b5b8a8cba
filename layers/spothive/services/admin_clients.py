"""The platform owner's client list (CORE-API admin_service ``list_all_clients``).

One page costs a Query of the orgs' ``by_listing`` index, then per client on the page a Query each of
its accounts, clusters and instances and one Redis read per cluster heartbeat: never a Scan.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from spothive.domain.client_list import (
    AgentState,
    ClientStatus,
    client_status,
    decode_cursor,
    encode_cursor,
    name_key,
    name_prefix,
    realized_spot_savings,
)
from spothive.domain.errors import Forbidden, InvalidInput
from spothive.domain.identity import Principal
from spothive.domain.spend import total
from spothive.domain.tenancy import Account, Org
from spothive.ports.agents import Heartbeats
from spothive.ports.inventory import InventoryRepo
from spothive.ports.pricing import CatalogSource
from spothive.ports.tenancy import TenancyRepo
from spothive.services.regional_pricing import CatalogsOnce, price_by_region

MAX_LIMIT = 100
#: With a status filter, how many clients one request examines at most per client it returns: a page
#: may come back short (follow ``next_cursor``) rather than one request reading without bound.
EXAMINE_FACTOR = 4
#: Clients summarized at once (each summary is I/O: DynamoDB Queries and Redis reads).
PARALLEL = 8


@dataclass(frozen=True, slots=True)
class ClientSummary:
    """One client as the platform owner sees it."""

    org: Org
    status: ClientStatus
    accounts: list[Account]
    agents: list[AgentState]
    running_instances: int
    monthly_spend: float
    realized_monthly_savings: float


@dataclass(frozen=True, slots=True)
class ClientPage:
    """A page of clients in name order and the cursor of the next (``None`` at the end)."""

    clients: list[ClientSummary] = field(default_factory=list)
    next_cursor: str | None = None


class AdminClients:
    """Every client org with its accounts, clusters, agents, spend and savings."""

    def __init__(self, repo: TenancyRepo, inventory: InventoryRepo, heartbeats: Heartbeats,
                 catalogs: CatalogSource) -> None:
        self._repo = repo
        self._inventory = inventory
        self._heartbeats = heartbeats
        self._catalogs = catalogs

    def page(self, admin: Principal, *, limit: int = 25, cursor: str | None = None, name: str | None = None,
             status: ClientStatus | None = None) -> ClientPage:
        """Up to ``limit`` clients after ``cursor`` whose name starts with ``name`` and in ``status``."""
        if not admin.is_admin:
            raise Forbidden("super_admin role required")
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
        prefix = name_prefix(name)
        after = decode_cursor(cursor, prefix)
        budget = limit * (EXAMINE_FACTOR if status else 1)
        catalog = CatalogsOnce(self._catalogs)
        orgs = self._repo.client_orgs(prefix, after)
        found: list[ClientSummary] = []
        examined = 0
        # each client costs three Queries and a Redis read per cluster: a page's clients are read in
        # parallel, a chunk at a time, so the lazy listing is never read further than the page needs
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            while chunk := list(islice(orgs, min(limit - len(found), budget - examined))):
                for org, summary in zip(chunk, pool.map(lambda o: self._summary(o, catalog), chunk), strict=True):
                    examined += 1
                    if status is None or summary.status is status:
                        found.append(summary)
                    if len(found) == limit or examined == budget:
                        return ClientPage(found, encode_cursor(name_key(org.name, org.org_id)))
        return ClientPage(found, None)

    def _summary(self, org: Org, catalogs: CatalogSource) -> ClientSummary:
        accounts = self._repo.list_accounts(org.org_id)
        agents = [AgentState(c.cluster_id, c.name, self._heartbeats.last_seen(org.org_id, c.cluster_id))
                  for c in self._inventory.list_clusters(org.org_id)]
        running = [s.instance for s in self._inventory.list_instances(org.org_id) if s.instance.state == "running"]
        priced, by_region = price_by_region(catalogs, running)
        spend = total(priced)
        return ClientSummary(
            org=org, status=client_status(accounts), accounts=accounts, agents=agents,
            running_instances=len(running), monthly_spend=spend.monthly,
            realized_monthly_savings=round(sum(realized_spot_savings(
                catalog, ((i.instance_type, i.lifecycle, i.zone) for i in running if i.region == region))
                for region, catalog in by_region.items()), 2),
        )

