"""Karpenter hibernation as agent actions: what the hub queues, and how it reads the agent's report.

The hub never calls a cluster's API server, so a Karpenter cluster sleeps through one agent action,
``hibernate_karpenter`` (docs/agent.md). ``sleep``: for each NodePool SpotHive manages (label
``app.kubernetes.io/managed-by=spothive``) the agent saves ``spec.limits`` (in the NodePool's annotation
``spothive.io/hibernation-limits`` and in its report) and sets ``cpu: 0`` / ``memory: 0``, so Karpenter
provisions nothing more there; then it deletes the pools' NodeClaims, and Karpenter's termination
controller drains each node through the Eviction API (PDBs honoured) before terminating it. Nodes running
a ``karpenter.sh/do-not-disrupt`` pod, or annotated so, are left running. ``wake`` restores exactly the
limits saved. A sleep that fails part way puts the limits back before it reports, so the cluster stays
awake.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ACTION_TYPE = "hibernate_karpenter"
SLEEP, WAKE = "sleep", "wake"
#: The agent must start the action within this time, like every other agent action.
LIFETIME = timedelta(hours=1)
#: How long the agent waits for Karpenter to drain and remove the deleted NodeClaims' nodes.
DRAIN_DEADLINE_S = 900

#: A Kubernetes quantity as JSON carries it: ``"400Gi"``, ``"100"`` or a bare number.
Quantity = str | int | float
Limits = dict[str, Quantity]


def action_id(org_id: str, cluster_id: str, mode: str, now: datetime) -> str:
    """``hib-<12 hex of the cluster>-<mode>-<UTC second>``: one id per attempt, within the action id pattern."""
    digest = hashlib.sha256(f"{org_id}/{cluster_id}".encode()).hexdigest()[:12]
    return f"hib-{digest}-{mode}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def hibernation_action(
    org_id: str, cluster_id: str, mode: str, now: datetime, reason: str,
    saved: Mapping[str, Mapping[str, Quantity]] | None = None,
) -> dict[str, Any]:
    """The agent action of a sleep (no limits) or a wake (``saved``: NodePool → the limits to restore)."""
    params: dict[str, Any] = {"mode": mode, "deadline_s": DRAIN_DEADLINE_S}
    if mode == WAKE:
        params["limits"] = {name: dict(limits) for name, limits in sorted((saved or {}).items())}
    return {
        "id": action_id(org_id, cluster_id, mode, now), "type": ACTION_TYPE, "params": params,
        "reason": reason[:2000], "created_at": _iso(now), "not_after": _iso(now + LIFETIME),
    }


@dataclass(frozen=True, slots=True)
class KarpenterReport:
    """What the agent's result means for the schedule: ``ok`` (or a dry run) and what to keep."""

    ok: bool
    dry_run: bool
    limits: dict[str, Limits] = field(default_factory=dict)  # sleep: NodePool → limits saved
    deleted: tuple[str, ...] = ()  # NodeClaims deleted
    held: tuple[str, ...] = ()  # what the agent left alone, with why ("node-a: do-not-disrupt pod ns/p")
    error: str | None = None
    left: str = "awake"  # after a failure: "awake" (limits restored) or "draining" (Karpenter still drains)


def read_report(status: str, result: Mapping[str, Any] | None) -> KarpenterReport:
    """The hub's reading of a final action state and the agent's result document."""
    doc = result or {}
    raw_details = doc.get("details")
    details: Mapping[str, Any] = raw_details if isinstance(raw_details, Mapping) else {}
    limits = _limits(details.get("saved_limits"))
    deleted = tuple(str(n) for n in details.get("nodeclaims_deleted") or ())
    held = tuple(f"{r.get('target')}: {r.get('reason')}" for r in doc.get("refused") or () if isinstance(r, Mapping))
    if status in ("done", "dry_run"):
        return KarpenterReport(True, status == "dry_run", limits, deleted, held)
    reason = str(doc.get("reason") or f"the agent reported {status}")
    return KarpenterReport(False, False, limits, deleted, held, f"agent: {status}: {reason}"[:1000],
                           "draining" if status == "blocked" else "awake")


def _limits(raw: Any) -> dict[str, Limits]:
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Limits] = {}
    for pool, values in raw.items():
        if isinstance(values, Mapping):
            out[str(pool)] = {str(k): v for k, v in values.items() if isinstance(v, str | int | float)}
    return out


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")
