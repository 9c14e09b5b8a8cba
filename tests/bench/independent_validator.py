"""An independent plan checker for the benchmark, written apart from the planner and its validator.

It reads only raw inputs: the snapshot JSON (v1 or v2), the plan JSON, the catalog CSV rows and the policy
JSON, and re-implements every check from the Kubernetes rules: capacity per resource name (cpu, memory, pod
slots, ``nvidia.com/gpu``, ``amd.com/gpu``, ``aws.amazon.com/neuron``) after DaemonSet overhead, architecture,
node selectors, required node affinity, taints, volume zones, pinned pods (do-not-disrupt, excluded
namespaces, system priority), PDBs, spread (zone skew, hostname, at most half a workload per node and Spot
pool unless it was so today) and the template. It also re-prices the plan so a misreported cost cannot
score well. Nothing here imports ``spothive.domain.packing`` or ``spothive.domain.plan_validation``.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ACCEL_COLUMNS = {"alloc_nvidia_gpu": "nvidia.com/gpu", "alloc_amd_gpu": "amd.com/gpu", "alloc_neuron": "aws.amazon.com/neuron"}
SYSTEM_PRIORITY = 2_000_000_000
Price = Callable[[str, str, str], float | None]


def load_rows(csv_path: Path) -> dict[str, dict[str, str]]:
    """Catalog CSV rows by instance type."""
    with csv_path.open(encoding="utf-8") as fh:
        return {r["instance_type"]: r for r in csv.DictReader(fh)}


def _num(v: str | None) -> float:
    return float(v) if v not in (None, "") else 0.0


def allocatable(row: Mapping[str, str]) -> dict[str, int]:
    """Allocatable resources by name from the CSV columns."""
    out = {
        "cpu": round(_num(row.get("alloc_cpu_cores")) * 1000),
        "memory": int(_num(row.get("alloc_memory_mib"))),
        "pods": int(_num(row.get("alloc_pods"))) or 110,
    }
    for col, name in ACCEL_COLUMNS.items():
        if _num(row.get(col)) > 0:
            out[name] = int(_num(row[col]))
    if not any(n in out for n in ACCEL_COLUMNS.values()) and _num(row.get("gpu_count")) > 0:
        vendor = "amd.com/gpu" if row.get("gpu_manufacturer") == "amd" else "nvidia.com/gpu"
        out[vendor] = int(_num(row["gpu_count"]))
    return out


def requests(pod: Mapping[str, Any]) -> dict[str, int]:
    """A pod's requests by resource name; a v1 ``gpu`` without ``extended`` is NVIDIA."""
    out = {"cpu": int(pod.get("cpu_m", 0)), "memory": int(pod.get("memory_mib", 0)), "pods": 1}
    extended = {k: int(v) for k, v in (pod.get("extended") or {}).items() if int(v) > 0}
    if extended:
        out.update(extended)
    elif int(pod.get("gpu", 0) or 0) > 0:
        out["nvidia.com/gpu"] = int(pod["gpu"])
    return out


def _holds(labels: Mapping[str, str], expr: Mapping[str, Any]) -> bool:
    v, op, vals = labels.get(expr["key"]), expr.get("operator", "In"), list(expr.get("values") or [])
    return {
        "In": v is not None and v in vals,
        "NotIn": v is None or v not in vals,
        "Exists": v is not None,
        "DoesNotExist": v is None,
        "Gt": v is not None and vals != [] and v.lstrip("-").isdigit() and int(v) > int(vals[0]),
        "Lt": v is not None and vals != [] and v.lstrip("-").isdigit() and int(v) < int(vals[0]),
    }.get(op, False)


def selects(labels: Mapping[str, str], pod: Mapping[str, Any]) -> bool:
    """nodeSelector and required node affinity (OR of terms, AND of expressions)."""
    if any(labels.get(k) != v for k, v in (pod.get("node_selector") or {}).items()):
        return False
    terms = [t.get("matchExpressions") or [] for t in pod.get("affinity_required") or []]
    terms = [t for t in terms if t]
    return not terms or any(all(_holds(labels, e) for e in t) for t in terms)


def _is_ds(p: Mapping[str, Any]) -> bool:
    return p.get("owner_kind") == "DaemonSet" or str(p.get("owner") or "").startswith("DaemonSet/")


def check(
    snapshot: Mapping[str, Any],
    plan: Mapping[str, Any],
    rows: Mapping[str, Mapping[str, str]],
    policy: Mapping[str, Any],
    price: Price,
) -> list[str]:
    """Every problem found, as readable lines; empty when the cluster could run the plan as priced."""
    errors: list[str] = []
    old = {n["name"]: n for n in snapshot.get("nodes", [])}
    pods = [p for p in snapshot.get("pods", []) if not _is_ds(p)]
    daemons = [p for p in snapshot.get("pods", []) if _is_ds(p)]
    overhead: dict[str, int] = defaultdict(int)
    per_ds: dict[tuple[str, str], dict[str, int]] = {}
    for d in daemons:
        cur = per_ds.setdefault((d.get("namespace", ""), str(d.get("owner") or d["name"])), {})
        for r, v in requests(d).items():
            cur[r] = max(cur.get(r, 0), v)
    for req in per_ds.values():
        for r, v in req.items():
            overhead[r] += v
    template = policy.get("node_template") or {}
    families, archs = set(template.get("families") or []), set(template.get("architectures") or [])
    excluded = set(policy.get("excluded_namespaces") or []) | {"kube-system"}
    labels: dict[str, dict[str, str]] = {}
    room: dict[str, dict[str, int]] = {}
    cost = 0.0
    used_today: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pods:
        if p.get("node"):
            used_today[p["node"]].update(requests(p))

    def node_labels(n: Mapping[str, Any], row: Mapping[str, str]) -> dict[str, str]:
        return {
            "kubernetes.io/arch": row.get("arch", "amd64"), "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": n["instance_type"], "karpenter.sh/capacity-type": n["capacity_type"],
            "topology.kubernetes.io/zone": n["zone"], **(n.get("labels") or {}),
        }

    today_labels = {name: node_labels(n, rows[n["instance_type"]]) for name, n in old.items() if n["instance_type"] in rows}
    for n in plan.get("nodes", []):
        name, itype = n["name"], n["instance_type"]
        row = rows.get(itype)
        if row is None:
            errors.append(f"{name}: unknown type {itype}")
            continue
        if not n.get("new") and (name not in old or old[name]["instance_type"] != itype):
            errors.append(f"{name}: kept node not in the snapshot as {itype}")
            continue
        if n.get("new"):
            if families and row["family"] not in families:
                errors.append(f"{name}: family {row['family']} outside the template")
            if archs and row["arch"] not in archs:
                errors.append(f"{name}: arch {row['arch']} outside the template")
        src = old[name] if not n.get("new") else n
        labels[name] = node_labels(src, row)
        cap = allocatable(row)
        free = {r: v - overhead.get(r, 0) for r, v in cap.items()}
        for r, v in overhead.items():
            free.setdefault(r, -v)
        if not n.get("new"):  # a kept node keeps at least what it runs today
            free = {r: max(v, used_today[name].get(r, 0)) for r, v in free.items()}
        room[name] = free
        expected = price(itype, n["capacity_type"], n["zone"])
        if expected is None or abs(expected - float(n["price_per_hour"])) > 1e-6:
            errors.append(f"{name}: priced {n['price_per_hour']} but the catalog says {expected}")
        cost += expected or 0.0
    if abs(cost - float(plan.get("cost_after_per_hour", cost))) > 1e-4 * max(1.0, cost):
        errors.append(f"plan says ${plan.get('cost_after_per_hour')}/h; its nodes cost ${cost:.4f}/h")
    place: Mapping[str, str] = plan.get("placements", {})
    unplaced = set(plan.get("unplaced", []))
    moved_per_owner: Counter[tuple[str, str]] = Counter()
    for p in pods:
        key = f"{p.get('namespace', 'default')}/{p['name']}"
        target = place.get(key)
        if target is None:
            if p.get("node") or key not in unplaced:
                errors.append(f"{key}: no place")
            continue
        if target not in room:
            errors.append(f"{key}: on {target}, not a plan node")
            continue
        for r, v in requests(p).items():
            room[target][r] = room[target].get(r, 0) - v
        if target == p.get("node"):
            continue
        if p.get("node"):
            if p.get("do_not_disrupt") or p.get("namespace") in excluded or int(p.get("priority") or 0) >= SYSTEM_PRIORITY:
                errors.append(f"{key}: pinned but moves")
            if p.get("owner"):
                moved_per_owner[(p.get("namespace", "default"), p["owner"])] += 1
        lab = labels[target]
        if not selects(lab, p):
            errors.append(f"{key}: selector or affinity excludes {target}")
        arch = (p.get("node_selector") or {}).get("kubernetes.io/arch")
        if arch is None and p.get("node") in old:
            arch = rows[old[p["node"]]["instance_type"]].get("arch")
        if arch and lab["kubernetes.io/arch"] != arch:
            errors.append(f"{key}: {arch} image on {lab['kubernetes.io/arch']} node {target}")
        zones = p.get("volume_zones") or []
        if zones and lab["topology.kubernetes.io/zone"] not in zones:
            errors.append(f"{key}: volume in {zones}, node {target} in {lab['topology.kubernetes.io/zone']}")
        tol = {t.get("key", "") if isinstance(t, dict) else t for t in p.get("tolerations") or []}
        src = old.get(target)
        taints = {
            t["key"] if isinstance(t, dict) else str(t).split("=")[0].split(":")[0]
            for t in (src or {}).get("taints") or []
            if (t.get("effect", "NoSchedule") if isinstance(t, dict) else str(t)).endswith(("NoSchedule", "NoExecute"))
            and not (t.get("effect", "") if isinstance(t, dict) else str(t)).endswith("PreferNoSchedule")
        }
        if not taints <= tol:
            errors.append(f"{key}: does not tolerate {target}")
    for name, free in room.items():
        short = {r: -v for r, v in free.items() if v < 0}
        if short:
            errors.append(f"{name}: over capacity {short}")
    for b in snapshot.get("pdbs", []):
        n = moved_per_owner[(b.get("namespace", "default"), b["selector_owner"])]
        if n and int(b["max_unavailable"]) <= 0:  # evictions are paced by the PDB; none allowed: none may move
            errors.append(f"PDB {b['name']}: {n} pods move, the PDB allows no disruption")
    errors.extend(_spread(pods, place, labels, today_labels, float(policy.get("max_workload_share", 0.5))))
    return errors


def _spread(
    pods: list[Mapping[str, Any]],
    place: Mapping[str, str],
    labels: Mapping[str, Mapping[str, str]],
    today: Mapping[str, Mapping[str, str]],
    share: float,
) -> list[str]:
    errors: list[str] = []
    key = lambda p: f"{p.get('namespace', 'default')}/{p['name']}"  # noqa: E731
    workloads: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for p in pods:
        if p.get("owner"):
            workloads[(p.get("namespace", "default"), p["owner"])].append(p)

    def pool(lab: Mapping[str, str]) -> str | None:
        if lab.get("karpenter.sh/capacity-type") != "spot":
            return None
        return f"{lab['node.kubernetes.io/instance-type']}@{lab['topology.kubernetes.io/zone']}"

    for (ns, owner), members in workloads.items():
        n = len(members)
        if n < 2 or share >= 1:
            continue
        limit = max(1, math.floor(share * n))
        before_node = Counter(p["node"] for p in members if p.get("node"))
        after_node = Counter(t for p in members if (t := place.get(key(p))) in labels)
        for node, c in after_node.items():
            if c > max(limit, before_node.get(node, 0)):
                errors.append(f"{ns}/{owner}: {c}/{n} replicas on {node}")
        before_pool = Counter(pool(today[p["node"]]) for p in members if p.get("node") in today)
        after_pool = Counter(pool(labels[t]) for p in members if (t := place.get(key(p))) in labels)
        for pl, c in after_pool.items():
            if pl is not None and c > max(limit, before_pool.get(pl, 0)):
                errors.append(f"{ns}/{owner}: {c}/{n} replicas in Spot pool {pl}")
    done: set[tuple[Any, ...]] = set()
    for p in pods:
        for rule in p.get("topology_spread") or []:
            if rule.get("when_unsatisfiable", "DoNotSchedule") != "DoNotSchedule":
                continue
            tk, skew = rule["topology_key"], int(rule["max_skew"])
            match = (rule.get("selector") or {}).get("matchLabels") or {}
            ident = (p.get("namespace"), tuple(sorted(match.items())) or p.get("owner"), tk)
            if ident in done or tk not in ("kubernetes.io/hostname", "topology.kubernetes.io/zone"):
                continue
            done.add(ident)
            same_ns = [q for q in pods if q.get("namespace") == p.get("namespace")]
            if match:
                members = [q for q in same_ns if all((q.get("labels") or {}).get(k) == v for k, v in match.items())]
            else:
                members = [q for q in same_ns if q.get("owner") == p.get("owner")] if p.get("owner") else [p]
            if tk == "kubernetes.io/hostname":
                before = Counter(q["node"] for q in members if q.get("node"))
                after = Counter(t for q in members if (t := place.get(key(q))) in labels)
                for host, c in after.items():
                    if c > max(skew, before.get(host, 0)):
                        errors.append(f"{p.get('namespace')}/{p.get('owner')}: {c} on {host}, max_skew {skew}")
                continue
            zone = "topology.kubernetes.io/zone"
            domains = {lab[zone] for lab in labels.values() if selects(lab, p)}
            domains |= {today[q["node"]][zone] for q in members if q.get("node") in today}
            today_domains = {lab[zone] for lab in today.values() if selects(lab, p)}
            today_domains |= {today[q["node"]][zone] for q in members if q.get("node") in today}
            after = Counter(labels[t][zone] for q in members if (t := place.get(key(q))) in labels)
            before = Counter(today[q["node"]][zone] for q in members if q.get("node") in today)
            s_after = max(after.get(d, 0) for d in domains) - min(after.get(d, 0) for d in domains) if domains else 0
            s_before = (
                max(before.get(d, 0) for d in today_domains) - min(before.get(d, 0) for d in today_domains)
                if today_domains
                else 0
            )
            if s_after > max(skew, s_before):
                errors.append(f"{p.get('namespace')}/{p.get('owner')}: zone skew {s_after} > {skew}")
    return errors
