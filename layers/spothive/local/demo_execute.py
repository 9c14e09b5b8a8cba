"""The demo's "Optimize Now": preview, turn the cluster's SAFE_MODE off, approve, and watch the executor
replace capacity in moto while the real agent cordons, waits for Ready and drains the simulated cluster.

It ends with what a person checks: the activity lines and realized saving, the KPI after discovery has
scanned the account again, every pod Running on the cluster's current nodes, and the ledger's chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: A wave waits up to 15 min for Ready nodes and drains; the demo's nodes boot in 10 s.
EXECUTION_TIMEOUT_S = 600.0
SETTLE_TIMEOUT_S = 60.0


def optimize_now(stack: Any, api: Any, agent: Any, cluster_id: str, out: Callable[[str], None],
                 pause: Callable[[float], bool] | None = None) -> dict[str, Any]:
    """Preview → SAFE_MODE off → approve → wait; what each step showed."""
    from spothive.local.demo import DemoError

    wait = pause or _sleep
    kpi_before = api.call("GET", "/api/metrics/kpi")
    started = api.call("POST", f"/api/clusters/{cluster_id}/optimize", {}, expect=(202,))
    preview = _until_done(api, cluster_id, started["job_id"], wait, DemoError)
    d = preview["decisions"]
    out(f"Preview {preview['job_id']}: {d['approved']} actions approved, {d['blocked']} blocked "
        f"(dry run: nothing changed)")
    for action in d["approved_actions"][:6]:
        out(f"  {action['type']} {action['target']}: {action['reason'][:110]}")
    for action in d["blocked_actions"][:3]:
        out(f"  blocked {action['target']}: {action['reason'][:110]}")
    mode = api.call("PUT", f"/api/clusters/{cluster_id}/safe-mode",
                    {"on": False, "reason": "demo: the preview was reviewed; go live"})
    out(f"SAFE_MODE for the cluster: {'on' if mode['on'] else 'off'} (levels {mode['levels']})")
    if mode["on"]:
        raise DemoError(f"SAFE_MODE is still on: {mode['reasons']}")
    wait(12.0)  # the agent learns the flag from its next heartbeat (every 10 s in the demo)
    approved = api.call("POST", f"/api/clusters/{cluster_id}/jobs/{preview['job_id']}/approve", expect=(202,))
    out(f"Approved: job {approved['job_id']} carries the plan out")
    job = _until_done(api, cluster_id, approved["job_id"], wait, DemoError, timeout=EXECUTION_TIMEOUT_S, out=out)
    progress = job["progress"]
    for wave in progress["waves"]:
        out(f"  wave {wave['index']}: {wave['stage']}; launched {len(wave['launched'])}, retired "
            f"{len([t for t in wave['terminated'] if not t.get('added')])}")
    for line in progress["activity"]:
        out(f"  {line}")
    if job["status"] != "succeeded":
        raise DemoError(f"execution {job['status']}: {job['error']}")
    realized = progress["realized"]
    out(f"Realized saving: ${realized['saving_per_month']:,.2f}/month over {realized['moves']} moves")
    stack.fire_schedule("discovery")
    kpi_after = api.call("GET", "/api/metrics/kpi")
    out(f"KPI monthly spend: ${kpi_before['monthly_spend']:,.2f} -> ${kpi_after['monthly_spend']:,.2f} "
        f"(down ${kpi_before['monthly_spend'] - kpi_after['monthly_spend']:,.2f})")
    pods = _settled(agent.local.cluster, wait)
    out(f"Simulated cluster: {pods['running']} pods Running, {pods['pending']} Pending, on {pods['nodes']} nodes "
        f"({pods['on_new']} pods on the new nodes)")
    return {"preview": preview, "job": job, "kpi_before": kpi_before, "kpi_after": kpi_after, "pods": pods}


def _until_done(api: Any, cluster_id: str, job_id: str, wait: Callable[[float], bool], error: type[Exception],
                timeout: float = 120.0, out: Callable[[str], None] | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    seen: set[str] = set()
    while True:
        job: dict[str, Any] = api.call("GET", f"/api/clusters/{cluster_id}/jobs/{job_id}")
        if out is not None:
            for wave in job["progress"]["waves"]:
                key = f"{wave['index']}:{wave['stage']}"
                if key not in seen:
                    seen.add(key)
                    out(f"  wave {wave['index']} {wave['stage']}")
        if job["status"] != "running":
            return job
        if time.monotonic() > deadline:
            raise error(f"job {job_id} still running after {timeout:.0f}s")
        if wait(1.0):
            raise error(f"stopped while job {job_id} ran")


def _settled(cluster: Any, wait: Callable[[float], bool]) -> dict[str, int]:
    """Wait until nothing is Pending (or a minute passed); counts of Running and Pending pods."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        pods = list(cluster.store.objects["pods"].values())
        pending = [p for p in pods if (p.get("status") or {}).get("phase") != "Running"]
        if not pending or time.monotonic() > deadline or wait(1.0):
            break
    nodes = {n["metadata"]["name"]: n for n in cluster.store.objects["nodes"].values()}
    new = set(nodes) & _joined(cluster)
    return {"running": len(pods) - len(pending), "pending": len(pending), "nodes": len(nodes),
            "on_new": sum(1 for p in pods if (p.get("spec") or {}).get("nodeName") in new)}


def _joined(cluster: Any) -> set[str]:
    return set(getattr(cluster, "spothive_joined", ()))


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return False
