"""Actions for the in-cluster agent: how a decided plan becomes agent actions, and their states.

A stored action moves ``queued → acknowledged → done | refused | blocked | failed | aborted | dry_run``;
``withdrawn`` is the compensation of a queued action the agent never took. Ids are ``{job_id}.{index}``
(the index in the job's approved actions), so a retried workflow step maps to the same ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

#: How long the agent may start an action after it was queued.
ACTION_LIFETIME = timedelta(hours=1)
#: The drain deadline the hub asks for (the agent's default).
DRAIN_DEADLINE_S = 600
#: At most this many actions per long-poll answer (the contract's page).
POLL_PAGE = 20
#: Longest long-poll wait an agent may ask for.
MAX_WAIT_S = 30
#: Longest the hub holds a request: under API Gateway's 29 s integration timeout (an early empty answer
#: only makes the agent poll again).
HOLD_LIMIT_S = 25


class ActionState(StrEnum):
    """Where a stored action is in its life."""

    QUEUED = "queued"
    ACKNOWLEDGED = "acknowledged"
    WITHDRAWN = "withdrawn"
    DONE = "done"
    REFUSED = "refused"
    BLOCKED = "blocked"
    FAILED = "failed"
    ABORTED = "aborted"
    DRY_RUN = "dry_run"


FINAL_STATES = frozenset({ActionState.DONE, ActionState.REFUSED, ActionState.BLOCKED, ActionState.FAILED,
                          ActionState.ABORTED, ActionState.DRY_RUN})


@dataclass(frozen=True, slots=True)
class StoredAction:
    """One action as the hub keeps it: the body the agent receives plus its state and result."""

    org_id: str
    cluster_id: str
    action: Mapping[str, Any]
    state: ActionState
    job_id: str | None = None
    result: Mapping[str, Any] | None = None
    acknowledged_at: datetime | None = None

    @property
    def action_id(self) -> str:
        """The action's id (``{job_id}.{index}``)."""
        return str(self.action["id"])


@dataclass(frozen=True, slots=True)
class AckOutcome:
    """What an acknowledgement did: ``execute`` only for the first one; ``state`` the stored state."""

    execute: bool
    state: ActionState


@dataclass(frozen=True, slots=True)
class ResultOutcome:
    """What posting a result did: ``recorded`` only for the first result of an acknowledged action."""

    recorded: bool
    state: ActionState


@dataclass(frozen=True, slots=True)
class SignalBatch:
    """Spot signals from an agent: how many were new and how many the hive mind flagged."""

    accepted: int
    duplicates: int
    flagged: int = 0
    skipped: list[str] = field(default_factory=list)


def action_id(job_id: str, index: int) -> str:
    """``{job_id}.{index}``: the id of one approved action of one job."""
    return f"{job_id}.{index}"


def node_names_by_instance(snapshot: Mapping[str, Any] | None) -> dict[str, str]:
    """EC2 instance id → Kubernetes node name, from a snapshot's ``provider_id`` (``aws:///zone/i-…``) or the
    ``spothive.io/instance-id`` label: Spot-only plans name instances, the agent acts on nodes."""
    names: dict[str, str] = {}
    for node in (snapshot or {}).get("nodes") or []:
        provider = str(node.get("provider_id") or "")
        instance = provider.rsplit("/", 1)[-1] if provider.startswith("aws://") else ""
        instance = instance or str((node.get("labels") or {}).get("spothive.io/instance-id") or "")
        if instance and node.get("name"):
            names[instance] = str(node["name"])
    return names


def agent_actions_for(job_id: str, approved: Sequence[Mapping[str, Any]], now: datetime,
                      node_of: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The agent actions for a job's approved plan actions, each with a stable id.

    ``drain_node`` → ``drain`` (the agent cordons first, honours PDBs and do-not-disrupt);
    ``replace_with_spot`` → ``cordon`` (no new pods land there while the Spot replacement comes up;
    the drain follows once it is Ready). ``add_node``, ``remove_node`` and ``move_pods`` are carried out
    by the node group or Karpenter and by the drain itself, so no agent action is queued for them.
    ``node_of`` maps an instance id target to its node name."""
    out: list[dict[str, Any]] = []
    for index, planned in enumerate(approved):
        kind = str(planned.get("type", ""))
        node = str(planned.get("target") or (planned.get("details") or {}).get("node") or "")
        if not node:
            continue
        node = (node_of or {}).get(node, node)
        if kind == "drain_node":
            agent_type, params = "drain", {"node": node, "deadline_s": DRAIN_DEADLINE_S}
        elif kind == "replace_with_spot":
            agent_type, params = "cordon", {"node": node}
        else:
            continue
        out.append({
            "id": action_id(job_id, index), "type": agent_type, "params": params, "plan_id": job_id,
            "reason": str(planned.get("reason") or f"{kind} {node}")[:2000],
            "created_at": _iso(now), "not_after": _iso(now + ACTION_LIFETIME),
        })
    return out


def signal_report(signal: Mapping[str, Any]) -> dict[str, Any] | None:
    """The hive mind's agent report for one agent spot signal; ``None`` when it names no Spot pool.

    Only Spot interruption and rebalance notices with a zone and an instance type flag a pool
    (scheduled maintenance and ASG terminations are not Spot capacity signals)."""
    kinds = {"spot_interruption": "interruption", "rebalance_recommendation": "rebalance"}
    kind = kinds.get(str(signal.get("kind")))
    if kind is None or not signal.get("zone") or not signal.get("instance_type"):
        return None
    if signal.get("capacity_type") == "on-demand":
        return None
    return {"kind": kind, "zone": signal["zone"], "instance_type": signal["instance_type"],
            "observed_at": signal.get("observed_at")}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
