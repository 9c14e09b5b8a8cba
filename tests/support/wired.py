"""The process's wired components under the names the integration tests use (one place to look them up)."""

from __future__ import annotations

from typing import Any

from spothive.wiring import accounts, audit, configuration, identity, inventory, kernel, lab, optimization, risk

_COMPONENTS: dict[str, Any] = {
    "clock": kernel.clock, "redis": kernel.cache, "ledger": kernel.ledger,
    "tenancy": accounts.tenancy, "discovery": accounts.discovery, "discovery_trigger": accounts.discovery_trigger,
    "connect": accounts.connect, "audit": audit.audit,
    "inventory": inventory.repo, "snapshots": inventory.snapshots,
    "rate_limiter": identity.rate_limiter,
    "template_repo": configuration.template_repo, "templates": configuration.templates, "hibernation_worker": configuration.hibernation_worker,
    "jobs": optimization.jobs, "optimization": optimization.steps,
    "live_switch": lab.live_switch, "model_lab": lab.model_lab,
    "risk_model": risk.risk_model, "hive_mind": risk.hive_mind, "advisor_ingest": risk.advisor_ingest,
}


class Wired:
    """Attribute access to the wiring's components (``wired().ledger`` is ``kernel.ledger()``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return _COMPONENTS[name]()
        except KeyError:
            raise AttributeError(name) from None

    @staticmethod
    def hot_swappable(initial: Any, *, listen: bool = True) -> Any:
        return risk.hot_swappable(initial, listen=listen)

    @staticmethod
    def pin(name: str, value: Any) -> None:
        """Serve ``value`` for the component called ``name`` until the overrides are cleared."""
        _COMPONENTS[name].set_override(value)


def wired() -> Wired:
    """The wired components of this process."""
    return Wired()
