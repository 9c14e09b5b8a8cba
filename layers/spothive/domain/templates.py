"""Node templates: which instances a cluster's nodes may be, and how cost is traded against stability."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from spothive.domain.errors import InvalidInput
from spothive.domain.family_rules import check_compatibility, normalize_arch


class Strategy(StrEnum):
    """How node choices trade savings for stability."""

    COST = "cost"
    BALANCED = "balanced"
    STABILITY = "stability"


CAPACITY_TYPES = ("spot", "on-demand")
MAX_FAMILIES = 50


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """What a user says a template is (create and update bodies)."""

    name: str
    families: tuple[str, ...]
    architectures: tuple[str, ...]
    capacity_types: tuple[str, ...] = ("spot", "on-demand")
    strategy: Strategy = Strategy.BALANCED
    gpu: bool = False
    max_nodes: int | None = None
    disruption_budget_percent: int = 10  # share of nodes that may be disrupted at once


@dataclass(frozen=True, slots=True)
class NodeTemplate:
    """A stored template; ``deleted_at`` marks a soft delete, ``version`` increases on every write."""

    org_id: str
    template_id: str
    spec: TemplateSpec
    created_at: datetime
    updated_at: datetime
    version: int = 1
    deleted_at: datetime | None = None

    def to_doc(self) -> dict[str, Any]:
        """The JSON view used by the audit ledger and the API."""
        doc = asdict(self.spec)
        doc.update(
            template_id=self.template_id, version=self.version, families=list(self.spec.families),
            architectures=list(self.spec.architectures), capacity_types=list(self.spec.capacity_types),
            strategy=self.spec.strategy.value, created_at=self.created_at.isoformat(),
            updated_at=self.updated_at.isoformat(),
            deleted_at=self.deleted_at.isoformat() if self.deleted_at else None,
        )
        return doc

    def revised(self, spec: TemplateSpec, now: datetime) -> NodeTemplate:
        """This template with a new spec and the next version."""
        return replace(self, spec=spec, updated_at=now, version=self.version + 1)

    def deleted(self, now: datetime) -> NodeTemplate:
        """This template soft-deleted."""
        return replace(self, deleted_at=now, updated_at=now, version=self.version + 1)


def validated_spec(spec: TemplateSpec) -> TemplateSpec:
    """The spec normalised (lower case, de-duplicated, canonical arch names); ``InvalidInput`` naming the field."""
    name = spec.name.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("name must be 1 to 64 characters", field="name")
    families = tuple(dict.fromkeys(f.strip().lower() for f in spec.families))
    if not 1 <= len(families) <= MAX_FAMILIES:
        raise InvalidInput(f"families must list 1 to {MAX_FAMILIES} instance families", field="families")
    if not spec.architectures:
        raise InvalidInput("architectures must list at least one of amd64, arm64", field="architectures")
    capacity = tuple(dict.fromkeys(c.strip().lower() for c in spec.capacity_types))
    unknown = [c for c in capacity if c not in CAPACITY_TYPES]
    if not capacity or unknown:
        raise InvalidInput("capacity_types must be a non-empty subset of spot, on-demand", field="capacity_types")
    if spec.max_nodes is not None and not 1 <= spec.max_nodes <= 10_000:
        raise InvalidInput("max_nodes must be between 1 and 10000", field="max_nodes")
    if not 0 <= spec.disruption_budget_percent <= 100:
        raise InvalidInput("disruption_budget_percent must be between 0 and 100", field="disruption_budget_percent")
    result = check_compatibility(families, spec.architectures, spec.gpu)
    if result.errors:
        field = "architectures" if all("architecture" in e for e in result.errors) else "families"
        raise InvalidInput("; ".join(result.errors), field=field)
    arches = tuple(dict.fromkeys(a for a in (normalize_arch(x) for x in spec.architectures) if a))
    return replace(spec, name=name, families=families, architectures=arches, capacity_types=capacity)
