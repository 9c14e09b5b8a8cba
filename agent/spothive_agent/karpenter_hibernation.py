"""Hibernating a Karpenter cluster (action ``hibernate_karpenter``), following Karpenter's documented behaviour.

``sleep``, for each NodePool SpotHive manages (label ``app.kubernetes.io/managed-by=spothive``, or the names
in ``params.nodepools``):

1. Save ``spec.limits`` in the annotation ``spothive.io/hibernation-limits`` (a repeated sleep keeps the
   first saving, so zeros are never saved) and set ``limits`` to ``cpu: "0"``, ``memory: "0"``: Karpenter
   provisions no node that would exceed a limit (concepts/nodepools, ``spec.limits``).
2. Delete the pools' NodeClaims. Karpenter's termination controller then taints each node
   ``karpenter.sh/disrupted:NoSchedule``, evicts its pods through the Eviction API (PDBs decide) and
   terminates the instance (concepts/disruption, "Termination Controller"). A NodeClaim whose node carries
   a ``karpenter.sh/do-not-disrupt`` pod (or ``spothive.io/do-not-disrupt``), or is itself annotated
   ``karpenter.sh/do-not-disrupt``, is not deleted: Karpenter would hold such a node until the pod goes
   anyway, and SpotHive never overrides that protection. It is reported under ``refused``.
3. NodePool disruption budgets limit only Karpenter's own voluntary disruption, not deletions (concepts/
   disruption, "NodePool Disruption Budgets"), so the agent paces itself by them: it deletes at most as many
   NodeClaims of a pool at once as its always-active budgets allow (``nodes: "N"`` or ``"N%"`` of the
   pool's nodes, rounded up; 10 % when none is set) and waits until they are gone before the next ones.
   Budgets with a ``schedule`` are time windows for Karpenter's own consolidation and are not applied.
   A budget of ``nodes: "0"`` refuses the pool's NodeClaims.

``status`` is ``done`` when every deleted NodeClaim is gone, ``blocked`` when some were still draining at
``deadline_s`` (the limits stay at zero: Karpenter keeps draining them, PDBs permitting), ``failed`` when a
Kubernetes call failed — then every NodePool already changed gets its saved limits back, so the cluster
stays awake. ``wake`` restores each NodePool's limits to exactly the saved value (``params.limits``, else
the annotation; a NodePool saved without limits gets none) and removes the annotation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from spothive_agent.inventory import Inventory
from spothive_agent.kube import KubeError, KubePort, NotFound
from spothive_agent.outcome import Outcome

Obj = dict[str, Any]
SAVED_ANNOTATION = "spothive.io/hibernation-limits"
MANAGED_BY = ("app.kubernetes.io/managed-by", "spothive")
NODEPOOL_LABEL = "karpenter.sh/nodepool"
NODE_DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
ZERO: Obj = {"cpu": "0", "memory": "0"}
DEFAULT_BUDGET = "10%"
POLL_S = 5.0


def hibernate(port: KubePort, inventory: Inventory, refresh: Callable[[], None], out: Outcome, params: Obj) -> Obj:
    """Carry out one ``hibernate_karpenter`` action; returns the finished result."""
    pools = _selected(port.list_karpenter("nodepools"), params.get("nodepools"))
    if not pools:
        return out.finish("refused", "no Karpenter NodePool labelled app.kubernetes.io/managed-by=spothive"
                          + (f" named {', '.join(params['nodepools'])}" if params.get("nodepools") else ""))
    if params["mode"] == "wake":
        return _wake(port, out, pools, params.get("limits") or {})
    return _sleep(port, inventory, refresh, out, pools, params)


def _selected(pools: list[Obj], names: list[str] | None) -> list[Obj]:
    if names:
        return sorted((p for p in pools if p["metadata"]["name"] in set(names)), key=_name)
    key, value = MANAGED_BY
    return sorted((p for p in pools if (p["metadata"].get("labels") or {}).get(key) == value), key=_name)


def _name(obj: Obj) -> str:
    return str(obj["metadata"]["name"])


def _saved_of(pool: Obj) -> Obj | None:
    raw = (pool["metadata"].get("annotations") or {}).get(SAVED_ANNOTATION)
    if not raw:
        return None
    try:
        saved = json.loads(raw)
    except ValueError as exc:  # hand-edited: never guess the limits a wake would restore
        raise ValueError(f"NodePool {_name(pool)}: annotation {SAVED_ANNOTATION} is not JSON ({exc})") from exc
    return saved if isinstance(saved, dict) else None


# ---- sleep ---------------------------------------------------------------------------------------
def _sleep(port: KubePort, inventory: Inventory, refresh: Callable[[], None], out: Outcome, pools: list[Obj],
           params: Obj) -> Obj:
    saved: dict[str, Obj] = {}
    changed: list[str] = []
    try:
        for pool in pools:
            name = _name(pool)
            already = _saved_of(pool)
            limits = already if already is not None else dict((pool.get("spec") or {}).get("limits") or {})
            saved[name] = limits
            patch = {"metadata": {"resourceVersion": pool["metadata"].get("resourceVersion"),
                                  "annotations": {SAVED_ANNOTATION: json.dumps(limits, sort_keys=True)}},
                     "spec": {"limits": dict(ZERO)}}
            out.change(f"set NodePool {name} limits to cpu 0, memory 0 (saved {json.dumps(limits, sort_keys=True)})",
                       lambda n=name, p=patch: port.patch_karpenter("nodepools", n, p), patch["spec"])
            changed.append(name)
        out.details["saved_limits"] = saved
        draining = _delete_claims(port, inventory, refresh, out, pools, params)
    except (KubeError, ValueError) as exc:  # an API error, or a NodePool this agent cannot read
        restored = _restore_after_failure(port, out, changed, saved)
        what = "Kubernetes API error" if isinstance(exc, KubeError) else "unreadable NodePool"
        return out.finish("failed", f"{what}: {exc}; NodePool limits restored on {', '.join(restored) or 'none'}")
    out.details["nodeclaims_deleted"] = sorted(n for n in out.details.get("nodeclaims_deleted", []))
    if draining:
        out.details["still_draining"] = draining
        return out.finish("blocked", f"{len(draining)} NodeClaim(s) still draining after {params.get('deadline_s')} s "
                          f"(a PodDisruptionBudget allows no eviction yet): {', '.join(draining)}; limits stay 0")
    held = f"; {len(out.refused)} left running (do-not-disrupt or budget)" if out.refused else ""
    return out.finish("done", f"{len(pools)} NodePool(s) at zero limits, "
                      f"{len(out.details['nodeclaims_deleted'])} NodeClaim(s) removed{held}")


def _delete_claims(port: KubePort, inventory: Inventory, refresh: Callable[[], None], out: Outcome,
                   pools: list[Obj], params: Obj) -> list[str]:
    """Delete the pools' NodeClaims budget by budget; the names still draining at the deadline."""
    deadline = out.clock.now() + timedelta(seconds=int(params.get("deadline_s", 900)))
    poll = float(params.get("poll_s", POLL_S))
    by_pool = {_name(p): p for p in pools}
    claims = [c for c in port.list_karpenter("nodeclaims")
              if (c["metadata"].get("labels") or {}).get(NODEPOOL_LABEL) in by_pool]
    refresh()
    deleted: list[str] = out.details.setdefault("nodeclaims_deleted", [])
    queues: dict[str, list[str]] = {}
    for claim in sorted(claims, key=_name):
        pool = claim["metadata"]["labels"][NODEPOOL_LABEL]
        reason = _protected(port, inventory, claim)
        if reason:
            out.refuse(f"nodeclaim/{_name(claim)}", reason)
        elif claim["metadata"].get("deletionTimestamp"):
            deleted.append(_name(claim))  # already terminating: only waited for
        else:
            queues.setdefault(pool, []).append(_name(claim))
    for pool, names in sorted(queues.items()):
        step = _budget(by_pool[pool], len([c for c in claims if c["metadata"]["labels"][NODEPOOL_LABEL] == pool]))
        if step <= 0:
            for name in names:
                out.refuse(f"nodeclaim/{name}", f"NodePool {pool}'s disruption budget allows no node at a time")
            continue
        while names:
            batch, names = names[:step], names[step:]
            for name in batch:
                out.change(f"delete NodeClaim {name} (Karpenter drains its node)",
                           lambda n=name: _delete(port, n))
                deleted.append(name)
            if out.dry_run:
                continue
            waiting = _wait_gone(port, out, batch, deadline, poll)
            if waiting:
                return [*waiting, *names]
    if out.dry_run:
        return []
    return _wait_gone(port, out, deleted, deadline, poll)


def _delete(port: KubePort, name: str) -> None:
    try:
        port.delete_karpenter("nodeclaims", name)
    except NotFound:
        return  # gone meanwhile: that is what was asked


def _protected(port: KubePort, inventory: Inventory, claim: Obj) -> str | None:
    node_name = (claim.get("status") or {}).get("nodeName")
    if (claim["metadata"].get("annotations") or {}).get(NODE_DO_NOT_DISRUPT) == "true":
        return f"NodeClaim annotated {NODE_DO_NOT_DISRUPT}=true"
    if not node_name:
        return None
    try:
        node = port.get_node(node_name)
    except NotFound:
        return None
    if (node["metadata"].get("annotations") or {}).get(NODE_DO_NOT_DISRUPT) == "true":
        return f"node {node_name} annotated {NODE_DO_NOT_DISRUPT}=true"
    pods = [p for p in inventory.pods_on(node_name) if p.get("do_not_disrupt") and p.get("owner_kind") != "DaemonSet"]
    if pods:
        listed = ", ".join(f"{p['namespace']}/{p['name']}" for p in pods)
        return f"node {node_name} runs pod(s) annotated {pods[0].get('do_not_disrupt_by') or 'do-not-disrupt'}: {listed}"
    return None


def _budget(pool: Obj, total: int) -> int:
    """How many of the pool's nodes may go at once by its always-active disruption budgets."""
    budgets = ((pool.get("spec") or {}).get("disruption") or {}).get("budgets") or [{"nodes": DEFAULT_BUDGET}]
    allowed = [_allowed(str(b.get("nodes", DEFAULT_BUDGET)), total) for b in budgets if not b.get("schedule")]
    return min(allowed) if allowed else max(1, total)


def _allowed(nodes: str, total: int) -> int:
    text = nodes.strip()
    if text.endswith("%"):
        return math.ceil(total * float(text[:-1]) / 100)
    return int(text)


def _wait_gone(port: KubePort, out: Outcome, names: list[str], deadline: Any, poll: float) -> list[str]:
    """Wait until none of ``names`` is left (Karpenter drained and terminated them); those left at the deadline."""
    while True:
        left = sorted({_name(c) for c in port.list_karpenter("nodeclaims")} & set(names))
        if not left or out.clock.now() >= deadline:
            return left
        out.clock.sleep(poll)


def _restore_after_failure(port: KubePort, out: Outcome, changed: list[str], saved: dict[str, Obj]) -> list[str]:
    restored = []
    for name in reversed(changed):
        try:
            _put_back(port, out, name, saved[name])
            restored.append(name)
        except KubeError as exc:  # keep restoring the others; the hub's next wake restores it
            out.refuse(f"nodepool/{name}", f"could not restore its limits: {exc}")
    return restored


# ---- wake ----------------------------------------------------------------------------------------
def _wake(port: KubePort, out: Outcome, pools: list[Obj], limits: Obj) -> Obj:
    restored: dict[str, Obj] = {}
    untouched: list[str] = []
    try:
        for pool in pools:
            name = _name(pool)
            given = limits.get(name)
            saved = given if isinstance(given, dict) else _saved_of(pool)
            if saved is None:
                untouched.append(name)
                continue
            _put_back(port, out, name, saved, (pool.get("spec") or {}).get("limits") or {})
            restored[name] = saved
    except (KubeError, ValueError) as exc:
        what = "Kubernetes API error" if isinstance(exc, KubeError) else "unreadable NodePool"
        return out.finish("failed", f"{what}: {exc}; restored {', '.join(restored) or 'none'}")
    out.details["restored_limits"] = restored
    for name in untouched:
        out.refuse(f"nodepool/{name}", "never hibernated by SpotHive (no saved limits): left as it is")
    return out.finish("done", f"limits restored on {len(restored)} NodePool(s)")


def _put_back(port: KubePort, out: Outcome, name: str, saved: Obj, current: Obj | None = None) -> None:
    """Set the NodePool's limits to exactly ``saved`` (a merge patch nulls keys it did not have)."""
    if current is None:
        current = ((_get_pool(port, name).get("spec") or {}).get("limits")) or {}
    exact: Obj = {k: None for k in current if k not in saved}
    exact.update(saved)
    patch = {"metadata": {"annotations": {SAVED_ANNOTATION: None}},
             "spec": {"limits": exact if saved else None}}
    out.change(f"restore NodePool {name} limits to {json.dumps(saved, sort_keys=True)}",
               lambda: port.patch_karpenter("nodepools", name, patch), patch["spec"])


def _get_pool(port: KubePort, name: str) -> Obj:
    """One NodePool (``NotFound`` when gone)."""
    for pool in port.list_karpenter("nodepools"):
        if _name(pool) == name:
            return pool
    raise NotFound(404, f'nodepools.karpenter.sh "{name}" not found', "NotFound")
