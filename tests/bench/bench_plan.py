"""Consolidation benchmark: SpotHive's planner against FFD and a Karpenter-like single-node pass.

Run: ``PYTHONPATH=layers python tests/bench/bench_plan.py [workload ...]`` (needs ../shared/data or
SPOTHIVE_SHARED_DATA; names select workloads, none runs them all). ``time s`` is wall-clock, ``CPU s`` the
process CPU time (steadier on a shared machine). The previous figures
(``plan_baseline.json``) are printed beside the new ones: ``base $/h``, ``base gap``, ``base s``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "layers"))

from baselines import ffd_cheapest_type, karpenter_single_node
from independent_validator import check, load_rows
from workloads import alibaba, constrained, fragmented, real_catalog, shared_data_dir

from spothive.adapters.solver.highs import HighsSolver
from spothive.domain.packing.model import policy_from_dict, snapshot_from_dict
from spothive.domain.packing.planner import plan_consolidation
from spothive.domain.plan_validation import validate_plan

POLICY = {"aggressiveness": 80, "spot_allowed": True}
BASELINE = Path(__file__).resolve().parent / "plan_baseline.json"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(name: str, doc: dict[str, Any], catalog: Any, rows: dict[str, Any]) -> dict[str, Any]:
    """Plan one workload and both baselines; re-check the plan independently; return a table row."""
    snapshot = snapshot_from_dict(doc)
    policy = policy_from_dict(POLICY)
    started, cpu_started = time.perf_counter(), time.process_time()
    plan = plan_consolidation(snapshot, catalog, policy, solver=HighsSolver(threads=1))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    violations = validate_plan(snapshot, catalog, plan.to_dict(), policy)
    independent = check(doc, plan.to_dict(), rows, POLICY, catalog.price)
    for line in independent[:5]:
        print(f"  independent validator, {name}: {line}", file=sys.stderr)
    ffd_nodes, ffd_cost = ffd_cheapest_type(snapshot, catalog, policy)
    karp_nodes, karp_cost = karpenter_single_node(snapshot, catalog, policy)
    return {
        "workload": name,
        "pods": len(snapshot.pods),
        "nodes_before": len(snapshot.nodes),
        "cost_before": plan.cost_before_per_hour,
        "nodes_after": len(plan.nodes),
        "cost_after": plan.cost_after_per_hour,
        "bound": plan.lower_bound_per_hour,
        "gap": plan.gap,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rss_mib": _rss_mib(),
        "ffd_nodes": ffd_nodes,
        "ffd_cost": ffd_cost,
        "karp_nodes": karp_nodes,
        "karp_cost": karp_cost,
        "vs_karp": 1 - plan.cost_after_per_hour / karp_cost if karp_cost else 0.0,
        "violations": len(violations),
        "independent": len(independent),
        "unplaced": len(plan.unplaced),
    }


def main() -> int:
    """Print the benchmark table."""
    data = shared_data_dir()
    if not data.is_dir():
        print(f"shared data not found at {data} (set SPOTHIVE_SHARED_DATA)", file=sys.stderr)
        return 2
    catalog = real_catalog(data)
    rows = load_rows(data / "ec2_instance_types_karpenter.csv")
    baseline: dict[str, dict[str, float]] = json.loads(BASELINE.read_text(encoding="utf-8"))
    chosen = set(sys.argv[1:])
    workloads = [
        ("fragmented-1k", lambda: fragmented(1000, catalog)),
        ("fragmented-5k", lambda: fragmented(5000, catalog)),
        ("fragmented-10k", lambda: fragmented(10000, catalog)),
        ("constrained-10k", lambda: constrained(10000, catalog)),
        ("alibaba-openb-default", lambda: alibaba(data, catalog)),
        ("alibaba-openb-cpu050", lambda: alibaba(data, catalog, "openb_pod_list_cpu050.csv")),
    ]
    header = (
        f"{'workload':<22} {'pods':>6} {'nodes':>11} {'$/h before':>10} {'$/h after':>9} {'bound':>8} "
        f"{'gap':>6} {'plan/LB':>7} {'time s':>6} {'CPU s':>5} {'RSS MiB':>7} | {'FFD $/h':>8} {'(nodes)':>7} | {'Karp $/h':>8} "
        f"{'(nodes)':>7} {'vs Karp':>7} {'viol':>4} {'independent':>11} | {'base $/h':>8} {'base gap':>8} "
        f"{'base s':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, make in workloads:
        if chosen and name not in chosen:
            continue
        r = run(name, make(), catalog, rows)
        base = baseline.get(name, {})
        print(
            f"{r['workload']:<22} {r['pods']:>6} {r['nodes_before']:>5}→{r['nodes_after']:<5} "
            f"{r['cost_before']:>10.2f} {r['cost_after']:>9.2f} {r['bound']:>8.2f} {r['gap']:>6.1%} "
            f"{r['cost_after'] / r['bound'] if r['bound'] else 0:>7.3f} "
            f"{r['seconds']:>6.2f} {r['cpu_seconds']:>5.2f} {r['rss_mib']:>7.0f} | {r['ffd_cost']:>8.2f} {r['ffd_nodes']:>7} | "
            f"{r['karp_cost']:>8.2f} {r['karp_nodes']:>7} {r['vs_karp']:>7.1%} {r['violations']:>4} "
            f"{'valid' if not r['independent'] else str(r['independent']) + ' errors':>11} | "
            f"{base.get('cost_after', 0):>8.2f} {base.get('gap', 0):>8.1%} {base.get('seconds', 0):>6.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
