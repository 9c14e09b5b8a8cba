"""One versioned optimization policy document per cluster, and the rules for changing it.

Every change names the version it was based on (``expected_version``); a change based on an older
version is refused, so two editors never silently overwrite each other. ``kube-system`` is always
excluded from optimization, whatever the user lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from spothive.domain.automation import Threshold
from spothive.domain.errors import Conflict, InvalidInput
from spothive.domain.execution import DisruptionBudget
from spothive.domain.templates import Strategy

ALWAYS_EXCLUDED = "kube-system"
MAX_EXCLUSIONS = 100
BINPACK_MIN, BINPACK_MAX = 20, 80
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A cluster's optimization settings. ``version`` 0 is the default document, never stored."""

    org_id: str
    cluster_id: str
    version: int = 0
    karpenter_enabled: bool = False
    karpenter_strategy: Strategy = Strategy.BALANCED
    binpack_aggressiveness: int = 50  # target utilisation (%) before consolidating: 20 conservative … 80
    fallback_enabled: bool = True  # fall back to On-Demand when Spot capacity is unavailable
    excluded_namespaces: tuple[str, ...] = (ALWAYS_EXCLUDED,)
    template_id: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    #: Automation: ``off`` (never plans), ``recommend`` (previews only), ``auto`` (executes within the budget).
    mode: str = "recommend"
    disruption_budget: DisruptionBudget = field(default_factory=DisruptionBudget)
    #: Automation runs an action only if it pays its disruption back in time (``domain.automation``).
    threshold: Threshold = field(default_factory=Threshold)

    def to_doc(self) -> dict[str, Any]:
        """The document as agents and the audit ledger see it."""
        return {
            "cluster_id": self.cluster_id,
            "version": self.version,
            "karpenter": {"enabled": self.karpenter_enabled, "strategy": self.karpenter_strategy.value},
            "binpack": {"aggressiveness": self.binpack_aggressiveness},
            "fallback": {"enabled": self.fallback_enabled},
            "exclusions": {"namespaces": list(self.excluded_namespaces)},
            "template_id": self.template_id,
            "automation": {"mode": self.mode, "disruption_budget": self.disruption_budget.to_dict(),
                           "threshold": self.threshold.to_dict()},
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "updated_by": self.updated_by,
        }


def check_version(current: PolicyDocument, expected_version: int) -> None:
    """``Conflict`` naming ``expected_version`` unless the change is based on the stored version."""
    if expected_version != current.version:
        raise Conflict(
            f"expected_version {expected_version} is stale: the policy is at version {current.version}; "
            "reload and retry",
            field="expected_version",
        )


def next_version(current: PolicyDocument, actor: str, now: datetime, **changes: Any) -> PolicyDocument:
    """``current`` with ``changes`` applied, one version later, stamped with who and when."""
    return replace(current, version=current.version + 1, updated_at=now, updated_by=actor, **changes)


def validate_aggressiveness(value: int) -> int:
    """The bin-packing threshold, 20 (conservative) to 80 (aggressive); ``InvalidInput`` otherwise."""
    if not BINPACK_MIN <= value <= BINPACK_MAX:
        raise InvalidInput(
            f"aggressiveness must be between {BINPACK_MIN} and {BINPACK_MAX}", field="aggressiveness"
        )
    return value


MODES = ("off", "recommend", "auto")
MAX_BUDGET_NODES = 100


def validate_automation(mode: str, max_nodes: int, max_percent: int) -> DisruptionBudget:
    """The automation mode and the disruption budget (nodes and % of the cluster at once); the bad one is named."""
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}", field="mode")
    if not 1 <= max_nodes <= MAX_BUDGET_NODES:
        raise InvalidInput(f"max_nodes must be 1 to {MAX_BUDGET_NODES}", field="max_nodes")
    if not 1 <= max_percent <= 100:
        raise InvalidInput("max_percent must be 1 to 100", field="max_percent")
    return DisruptionBudget(max_nodes, max_percent)


def normalize_namespaces(namespaces: Iterable[str]) -> tuple[str, ...]:
    """Sorted, de-duplicated DNS-1123 labels, always including ``kube-system``; the bad one is named."""
    seen: set[str] = {ALWAYS_EXCLUDED}
    for index, raw in enumerate(namespaces):
        name = raw.strip()
        if not _DNS1123_LABEL.match(name):
            raise InvalidInput(
                f"namespace {raw!r} is not a DNS-1123 label (lower-case alphanumerics and '-', at most 63)",
                field=f"namespaces.{index}",
            )
        seen.add(name)
    if len(seen) > MAX_EXCLUSIONS:
        raise InvalidInput(f"at most {MAX_EXCLUSIONS} namespaces may be excluded", field="namespaces")
    return tuple(sorted(seen))


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """What an agent receives when its cluster's policy changes."""

    org_id: str
    cluster_id: str
    version: int
    sections: tuple[str, ...]
    document: dict[str, Any]
    changed_at: datetime
    changed_by: str
