"""Starting and reading lab experiments: the live switch of one customer instance (super admins).

The instance must be one SpotHive discovered for the org, in a linked account (its role and External ID
are what the state machine acts through), and on On-Demand; the experiment record exists before the state
machine starts, so ``GET /api/lab/experiments/{id}`` answers at once and then follows each step.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import InvalidInput, NotFound
from spothive.domain.inventory import DiscoveredInstance
from spothive.domain.tenancy import Account, AccountStatus
from spothive.ports.audit import AuditLedger
from spothive.ports.clock import Clock
from spothive.ports.inventory import InventoryRepo
from spothive.ports.jobs import WorkflowStarter
from spothive.ports.lab import LabRepo
from spothive.ports.tenancy import TenancyRepo

#: Account states whose role SpotHive has verified (and whose inventory discovery keeps current).
LINKED = (AccountStatus.ACTIVE, AccountStatus.SCANNING)


def linked_instance(tenancy: TenancyRepo, inventory: InventoryRepo, org_id: str, instance_id: str,
                    field: str = "instance_id") -> tuple[DiscoveredInstance, Account]:
    """The org's instance and its linked account; ``InvalidInput`` naming ``field`` when it is neither."""
    if tenancy.get_org(org_id) is None:
        raise InvalidInput(f"no organization {org_id}", field="org_id")
    found = next((s.instance for s in inventory.list_instances(org_id) if s.instance.instance_id == instance_id), None)
    if found is None:
        raise InvalidInput(f"instance {instance_id} is not an instance of organization {org_id}", field=field)
    account = tenancy.get_account(org_id, found.account_id)
    if account is None or account.status not in LINKED or not account.role_arn:
        raise InvalidInput(f"instance {instance_id} is in account {found.account_id}, which is not linked",
                           field=field)
    return found, account


class LabExperiments:
    """``POST /api/lab/live-switch`` and ``GET /api/lab/experiments/{id}``."""

    def __init__(self, tenancy: TenancyRepo, inventory: InventoryRepo, lab: LabRepo, starter: WorkflowStarter,
                 clock: Clock, *, poll_seconds: int = 5, ledger: AuditLedger | None = None) -> None:
        self._ledger = ledger
        self._tenancy = tenancy
        self._inventory = inventory
        self._lab = lab
        self._starter = starter
        self._clock = clock
        self._poll_seconds = poll_seconds

    def start_live_switch(self, actor: str, org_id: str, instance_id: str, *, model_id: str | None = None,
                          dry_run: bool = False) -> dict[str, Any]:
        """Record the experiment and start the ``live-switch`` state machine; the record as stored."""
        instance, account = linked_instance(self._tenancy, self._inventory, org_id, instance_id)
        if instance.lifecycle == "spot":
            raise InvalidInput(f"instance {instance_id} already runs on Spot", field="instance_id")
        if instance.state != "running":
            raise InvalidInput(f"instance {instance_id} is {instance.state}, not running", field="instance_id")
        experiment_id = f"exp-{uuid.uuid4().hex[:16]}"
        created = _iso(self._clock.now())
        self._lab.save(experiment_id, {
            "experiment_id": experiment_id, "kind": "live-switch", "status": "starting",
            "model_id": model_id or "none", "created_at": created, "instance_id": instance_id,
            "telemetry": {"steps": [], "price_before": None, "price_after": None, "started_at": created,
                          "org_id": org_id, "requested_by": actor},
        })
        payload: Mapping[str, Any] = {
            "experiment_id": experiment_id, "instance_id": instance_id, "role_arn": account.role_arn,
            "external_id": account.external_id or "", "region": instance.region, "poll_seconds": self._poll_seconds,
            "dry_run": dry_run, "model_id": model_id, "created_at": created,
            # the tenant's and cluster's SAFE_MODE levels are read by the switch's steps
            "org_id": org_id, "cluster_id": instance.cluster_id,
        }
        if self._ledger is not None:  # in the tenant's own chain: its instance is acted on by the platform
            self._ledger.write(org_id, AuditEntry(actor, "lab.live_switch.started", "instance", instance_id, after={
                "experiment_id": experiment_id, "dry_run": dry_run, "model_id": model_id}))
        execution = self._starter.start(experiment_id, payload)
        return {"experiment_id": experiment_id, "execution_arn": execution, "status": "starting",
                "instance_id": instance_id, "org_id": org_id}

    def experiment(self, experiment_id: str) -> dict[str, Any]:
        """One experiment record with its telemetry; ``NotFound`` when there is none."""
        found = self._lab.get(experiment_id)
        if found is None:
            raise NotFound(f"no experiment {experiment_id}", field="experiment_id")
        return found


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")
