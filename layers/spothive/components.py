"""Component ids of the system mapping (``[CATEGORY]-[MODULE]-[VERSION]``) for each function and state
machine: log lines and the health report name components by them."""

from __future__ import annotations

#: Topology function or state machine name → its component id.
COMPONENT_IDS: dict[str, str] = {
    "worker-discovery": "WORK-DISC-01",
    "worker-prices": "SVC-PRICE-01",
    "worker-advisor": "SVC-SCRAPE-01",
    "worker-hibernation": "WORK-HIB-01",
    "worker-spot-events": "SVC-RISK-GLB",
    "worker-report": "WORK-RPT-01",
    "worker-optimize": "WORK-OPT-01",
    "model-endpoint": "MOD-AI-01",
    "optimization": "WORK-OPT-01",
    "opt-detect": "MOD-SPOT-01",
    "opt-risk": "MOD-AI-01",
    "opt-decide": "CORE-DECIDE",
    "opt-execute": "CORE-EXEC",
    "opt-compensate": "CORE-EXEC",
    "opt-audit": "WORK-OPT-01",
    "live-switch": "SCRIPT-SPOT-01",
    "switch-step": "SCRIPT-SPOT-01",
}


def component_id(name: str) -> str:
    """The component id of a function or state machine (``CORE-API`` for the API's route groups)."""
    return COMPONENT_IDS.get(name, "CORE-API")
