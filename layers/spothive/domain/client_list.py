"""The platform owner's client list: listing keys, opaque cursors, a client's status and its savings.

Clients are listed from the ``by_listing`` index of the orgs table (partition ``client``, sort key
``<lower-case name>#<org_id>``): a Query in name order, a name filter as ``begins_with`` on the sort key,
and a cursor that is the last key a page examined. The platform owners' org is never written to the
index, so it is never listed.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from spothive.domain.catalog import Catalog
from spothive.domain.errors import InvalidInput
from spothive.domain.pricing import HOURS_PER_MONTH
from spothive.domain.tenancy import Account, AccountStatus

#: The one partition of the ``by_listing`` index. Org sign-ups are rare (a handful an hour at most), far
#: below one partition's write limit, and the list is read only by platform owners.
LISTING = "client"
MAX_NAME_FILTER = 100


class ClientStatus(StrEnum):
    """Where a client stands: an account discovered (active), none linked yet (pending), or every linked
    account failing (failed)."""

    ACTIVE = "active"
    PENDING = "pending"
    FAILED = "failed"


def name_key(name: str, org_id: str) -> str:
    """The index sort key: case-insensitive name order, the org id making it unique."""
    return f"{name.strip().lower()}#{org_id}"


def name_prefix(name: str | None) -> str:
    """The sort-key prefix a name filter matches (empty: every client)."""
    text = (name or "").strip().lower()
    if len(text) > MAX_NAME_FILTER:
        raise InvalidInput(f"name must have at most {MAX_NAME_FILTER} characters", field="name")
    return text


def encode_cursor(key: str) -> str:
    """An opaque cursor for the page after ``key``."""
    return base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, prefix: str) -> str | None:
    """The key a cursor continues after; ``InvalidInput`` (field ``cursor``) for a forged or foreign one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)["k"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("cursor is not one this list returned", field="cursor") from exc
    if not isinstance(key, str) or "#" not in key or not key.startswith(prefix):
        raise InvalidInput("cursor does not belong to this name filter", field="cursor")
    return key


def client_status(accounts: Sequence[Account]) -> ClientStatus:
    """Active once any account is scanning or discovered; failed when every linked account fails."""
    statuses = {a.status for a in accounts}
    if statuses & {AccountStatus.ACTIVE, AccountStatus.SCANNING}:
        return ClientStatus.ACTIVE
    if AccountStatus.FAILED in statuses and statuses <= {AccountStatus.FAILED, AccountStatus.PENDING}:
        return ClientStatus.FAILED
    return ClientStatus.PENDING


@dataclass(frozen=True, slots=True)
class AgentState:
    """One cluster's agent: online while its heartbeat (TTL 120 s) is present."""

    cluster_id: str
    name: str
    last_heartbeat: datetime | None

    @property
    def online(self) -> bool:
        """Whether the agent beat within the heartbeat's lifetime."""
        return self.last_heartbeat is not None


def realized_spot_savings(catalog: Catalog, running: Iterable[tuple[str, str, str]]) -> float:
    """USD a month that running Spot capacity saves against On-Demand, from ``(type, lifecycle, zone)``.

    What a client realizes now (each instance at its zone's Spot price against its On-Demand price);
    instances the catalog cannot price count for nothing.
    """
    hourly = 0.0
    for instance_type, lifecycle, zone in running:
        if lifecycle != "spot":
            continue
        on_demand = catalog.price(instance_type, "on-demand", None)
        spot = catalog.price(instance_type, "spot", zone or None)
        if on_demand is not None and spot is not None and on_demand > spot:
            hourly += on_demand - spot
    return round(hourly * HOURS_PER_MONTH, 2)
