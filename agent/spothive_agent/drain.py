"""Draining a node through the Eviction API.

Never evicted: DaemonSet pods (their controller would put them straight back), mirror pods (the kubelet
owns them) and finished pods. A pod annotated do-not-disrupt refuses the whole drain before anything is
touched. A 429 means a PodDisruptionBudget allows no disruption now: back off and retry until the
deadline, then report which PDB blocked. Safe mode stops the drain and undoes the cordon it relied on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from spothive_agent.inventory import Inventory
from spothive_agent.kube import KubePort, NotFound
from spothive_agent.metrics import AgentMetrics
from spothive_agent.nodes_ops import cordon, mark_drain_started, uncordon
from spothive_agent.outcome import Outcome

Obj = dict[str, Any]
MAX_BACKOFF_S = 30.0


def _key(pod: Obj) -> str:
    return f"{pod['namespace']}/{pod['name']}"


def drain(port: KubePort, inventory: Inventory, refresh: Callable[[], None], out: Outcome, params: Obj,
          safe_mode: Callable[[], str | None], metrics: AgentMetrics) -> Obj:
    """Drain ``params.node``; returns the finished result."""
    name = params["node"]
    deadline = out.clock.now() + timedelta(seconds=int(params.get("deadline_s", 600)))
    retry = float(params.get("retry_s", 5.0))
    try:
        node = port.get_node(name)
    except NotFound:
        return out.finish("refused", f"node {name} does not exist")
    refresh()
    pods = inventory.pods_on(name)
    protected = [p for p in pods if p.get("do_not_disrupt") and p.get("owner_kind") != "DaemonSet"]
    if protected:
        for pod in protected:
            out.refuse(f"pod/{_key(pod)}", f"annotated {pod.get('do_not_disrupt_by') or 'do-not-disrupt'}=true")
        return out.finish("refused", f"{len(protected)} pod(s) on {name} may not be disrupted: "
                          + ", ".join(_key(p) for p in protected))
    cordoned_here = not (node.get("spec") or {}).get("unschedulable")
    cordon(port, out, name, str(out.action.get("id")))
    mark_drain_started(port, out, name)
    skipped = [{"pod": _key(p), "why": "DaemonSet" if p.get("owner_kind") == "DaemonSet" else "mirror pod"}
               for p in pods if p.get("owner_kind") == "DaemonSet" or p.get("mirror")]
    if skipped:
        out.details["skipped"] = skipped
    remaining = [_key(p) for p in pods if p.get("owner_kind") != "DaemonSet" and not p.get("mirror")]
    if out.dry_run:
        out.would.extend(f"evict pod {k}" for k in remaining)
        return out.finish("done", f"would evict {len(remaining)} pod(s) from {name}")
    blocked_by: dict[str, str] = {}
    while remaining:
        reason = safe_mode()
        if reason:
            if cordoned_here:
                uncordon(port, out, name)
            out.details["not_evicted"] = remaining
            return out.finish("aborted", f"drain stopped: {reason}; {len(remaining)} pod(s) left running on {name}"
                              + ("; node uncordoned" if cordoned_here else ""))
        for key in list(remaining):
            namespace, pod_name = key.split("/", 1)
            eviction = port.evict(namespace, pod_name)
            metrics.evictions.labels(eviction.outcome).inc()
            if eviction.outcome == "blocked":
                blocked_by[key] = f"{namespace}/{eviction.pdb}" if eviction.pdb else eviction.message
                continue
            remaining.remove(key)
            blocked_by.pop(key, None)
            out.done.append(f"evicted pod {key}" if eviction.outcome == "evicted" else f"pod {key} was already gone")
        if not remaining:
            break
        if out.clock.now() >= deadline:
            pdbs = sorted(set(blocked_by.values()))
            for pdb in pdbs:
                metrics.pdb_blocks.labels(pdb).inc()
            for key in remaining:
                out.refuse(f"pod/{key}", f"blocked by PDB {blocked_by.get(key, '?')}")
            out.details["not_evicted"] = remaining
            return out.finish("blocked", f"blocked by PDB {', '.join(pdbs)}: {len(remaining)} pod(s) not evicted "
                              f"from {name} by the deadline")
        out.clock.sleep(retry)
        retry = min(retry * 2, MAX_BACKOFF_S)
        refresh()
    out.details["evicted"] = sum(1 for d in out.done if d.startswith("evicted pod"))
    return out.finish("done", f"node {name} drained")
