"""The platform owner's side: the client list (impersonation lives with identity)."""

from __future__ import annotations

from spothive.services.admin_clients import AdminClients
from spothive.wiring import accounts, agents, inventory, pricing
from spothive.wiring.registry import component


@component
def clients() -> AdminClients:
    """Every client org with its accounts, agents, spend and savings."""
    return AdminClients(accounts.tenancy(), inventory.repo(), agents.heartbeats(), pricing.catalogs())
