"""Pure views over audit records: secret-free snapshots, filters and the activity feed's sentences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from spothive.domain.audit import AuditRecord, format_timestamp
from spothive.domain.errors import InvalidInput
from spothive.domain.tenancy import Account

#: The actor of the discovery worker.
DISCOVERY_ACTOR = "system:discovery"


def secret_hint(secret: str | None) -> str | None:
    """Only the last four characters of a secret (``…1a2b``); ``None`` stays ``None``."""
    return None if not secret else "…" + secret[-4:]


def account_view(account: Account | None) -> dict[str, Any] | None:
    """What the ledger keeps of an account: everything but the External ID, which shows as a hint."""
    if account is None:
        return None
    return {
        "account_id": account.account_id,
        "status": account.status.value,
        "aws_account_id": account.aws_account_id,
        "role_arn": account.role_arn,
        "status_reason": account.status_reason,
        "external_id_hint": secret_hint(account.external_id),
        "last_scan_at": format_timestamp(account.last_scan_at) if account.last_scan_at else None,
    }


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Optional conditions on records; all given ones must hold. Timestamps are inclusive bounds."""

    actor: str | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise InvalidInput(f"{name} must carry a time zone", field=name)
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("from must not be later than to", field="from")

    def matches(self, record: AuditRecord) -> bool:
        """True when ``record`` satisfies every condition given."""
        checks = (
            (self.actor, record.actor),
            (self.action, record.action),
            (self.resource_type, record.resource_type),
            (self.resource_id, record.resource_id),
        )
        if any(wanted is not None and wanted != value for wanted, value in checks):
            return False
        if self.since and record.timestamp < format_timestamp(self.since):
            return False
        return not (self.until and record.timestamp > format_timestamp(self.until))


def describe(record: AuditRecord) -> str:
    """One human sentence for the activity feed."""
    after, before = record.after or {}, record.before or {}
    aws = after.get("aws_account_id") or before.get("aws_account_id") or record.resource_id
    action = record.action
    if action == "auth.signup":
        return f"Created organisation {after.get('org', {}).get('name', record.resource_id)}"
    if action == "auth.logout":
        return "Signed out"
    if action == "account.link":
        return f"Issued a new External ID ({after.get('external_id_hint')}) to link an AWS account"
    if action == "account.verify":
        if after.get("status") == "failed":
            return f"Could not verify AWS account {aws}: {after.get('status_reason')}"
        return f"Linked AWS account {aws}"
    if action == "account.scan":
        if after.get("status") == "failed":
            return f"Scan of AWS account {aws} failed: {record.reason or after.get('status_reason')}"
        return (
            f"Scanned AWS account {aws}: {after.get('clusters', 0)} clusters, {after.get('instances', 0)} instances"
            f" (+{after.get('added', 0)} -{after.get('removed', 0)} ~{after.get('changed', 0)})"
        )
    if action == "audit.export":
        return f"Exported {after.get('records', 0)} audit records as {str(after.get('format', '')).upper()}"
    if action == "optimization.automated":
        kind = "a preview" if after.get("dry_run") else "an optimization"
        return f"Automation ({after.get('mode')}) started {kind} of cluster {record.resource_id}: {record.reason}"
    if action == "node.switch_to_spot":
        return f"Switched node {record.resource_id} to Spot"
    if action == "node.switch_to_on_demand":
        return f"Switched node {record.resource_id} to On-Demand"
    verb = action.rsplit(".", 1)[-1].replace("_", " ")
    return f"{verb.capitalize()} {record.resource_type} {record.resource_id}".strip()


@dataclass(frozen=True, slots=True)
class ExportLocation:
    """Where a stored export can be downloaded, and for how long (``None``: no expiry)."""

    url: str
    expires_in: int | None
