"""SAFE_MODE at three levels (global, tenant, cluster): read, set (audited), and the effective flag every
mutating step and the agent honour. Any level on means on; a level that cannot be read counts as on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Forbidden, InvalidInput, ServiceUnavailable
from spothive.domain.identity import Principal
from spothive.ports.audit import AuditLedger
from spothive.ports.execution import SafeModeSwitches

#: The org whose ledger records platform-wide changes (as the model registry does).
PLATFORM_ORG = "platform"
LEVELS = ("global", "tenant", "cluster")


@dataclass(frozen=True, slots=True)
class SafeModeState:
    """The effective flag and each level's switch (``None``: never set, counts as off)."""

    on: bool
    levels: dict[str, bool | None] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    def reason(self) -> str | None:
        """Why SAFE_MODE is on (``None`` when off)."""
        return "; ".join(self.reasons) if self.on else None


def _scope(level: str, org_id: str, cluster_id: str | None) -> str:
    if level == "global":
        return "global"
    if level == "tenant":
        return f"org:{org_id}"
    if level == "cluster" and cluster_id:
        return f"cluster:{org_id}:{cluster_id}"
    raise InvalidInput(f"level must be one of {', '.join(LEVELS)}", field="level")


class SafeModeService:
    """Use cases of ``/api/safe-mode``, ``/api/admin/safe-mode`` and ``/api/clusters/{id}/safe-mode``."""

    def __init__(self, switches: SafeModeSwitches, ledger: AuditLedger, *, forced: bool = False) -> None:
        self._switches = switches
        self._ledger = ledger
        self._forced = forced

    def effective(self, org_id: str, cluster_id: str | None = None) -> SafeModeState:
        """Global, tenant and (when given) cluster switches combined; unreadable counts as on."""
        levels: dict[str, bool | None] = {}
        reasons: list[str] = []
        if self._forced:
            reasons.append("SAFE_MODE setting of the deployment")
        for level in LEVELS if cluster_id else LEVELS[:2]:
            try:
                value = self._switches.get(_scope(level, org_id, cluster_id))
            except ServiceUnavailable:
                levels[level] = True
                reasons.append(f"{level} SAFE_MODE unreadable (cache unavailable): assumed on")
                continue
            levels[level] = value
            if value:
                reasons.append(f"{level} SAFE_MODE on")
        return SafeModeState(bool(reasons), levels, tuple(reasons))

    def set(self, principal: Principal, level: str, on: bool, *, cluster_id: str | None = None,
            reason: str | None = None) -> SafeModeState:
        """Turn one level on or off (global only for a super admin); audited with before and after."""
        if level == "global" and not principal.is_admin:
            raise Forbidden("only a super admin may set the global SAFE_MODE", field="level")
        scope = _scope(level, principal.org_id, cluster_id)
        try:
            before: bool | None = self._switches.get(scope)
        except ServiceUnavailable:
            before = None
        self._switches.set(scope, on)
        org = PLATFORM_ORG if level == "global" else principal.org_id
        resource: tuple[str, str] = ("platform", "global") if level == "global" else (
            ("org", principal.org_id) if level == "tenant" else ("cluster", str(cluster_id)))
        after: dict[str, Any] = {"level": level, "on": on}
        self._ledger.write(org, AuditEntry(principal.actor, "safe_mode.set", resource[0], resource[1],
                                           before={"level": level, "on": before}, after=after,
                                           reason=reason or f"{level} SAFE_MODE turned {'on' if on else 'off'}"))
        return self.effective(principal.org_id, cluster_id)
