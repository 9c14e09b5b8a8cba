"""Replay benchmark: a simulated week of the Alibaba openb trace cluster under four policies.

    python tests/bench/bench_replay.py [--quick] [--days D] [--nodes N] [--seed S] [--risk heuristic|model]

The trace's CPU nodes (On-Demand, mapped to EC2 types) and its pods as Deployments run on the agent's
cluster simulator for a week in 1-minute ticks, load following a diurnal curve, Spot nodes reclaimed at
their Spot Advisor bucket's rate plus two storms (the pool holding most of the cluster's Spot nodes loses
80 % of them within minutes; other tenants' losses reach the hive mind first). Policies: no optimization;
a cost-only optimum re-planned hourly and applied at once; a Karpenter-like single-node consolidation
pass; SpotHive's loop (agent snapshot → risk (heuristic + hive mind) → packer → decision → safe executor).
Every policy shares one On-Demand provisioner for pods that fit no node. ``--quick`` (or
``SPOTHIVE_REPLAY_QUICK=1``) replays 2 days of 20 nodes. An independent meter re-adds dollars and Pending
minutes from the simulator's objects each minute; a mismatch fails the run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for extra in (ROOT, ROOT / "layers", ROOT / "agent", ROOT / "models"):
    sys.path.insert(0, str(extra))

from tests.bench.replay.run import ABLATION, BEFORE, POLICIES, Outcome, replay, risk_model  # noqa: E402
from tests.bench.replay.trace import trace_cluster  # noqa: E402
from tests.bench.workloads import real_catalog, shared_data_dir  # noqa: E402

LABELS = {"none": "no optimization", "cost-only": "cost-only hourly", "karpenter": "Karpenter-like",
          BEFORE: "SpotHive before", "spothive": "SpotHive", ABLATION: "SpotHive, no hive"}


def _row(o: Outcome, none: Outcome, cost_only: Outcome | None) -> str:
    s = o.summary
    saved = none.summary.dollars - s.dollars
    ceiling = none.summary.dollars - cost_only.summary.dollars if cost_only else 0.0
    share = f"{saved / ceiling:.1%}" if ceiling > 0 else "-"
    p = s.pending_minutes
    return (f"{LABELS[o.policy]:<17} {s.dollars:>10.2f} {saved:>9.2f} {share:>7} | {p['optimizer']:>7.0f} "
            f"{p['interruption']:>7.0f} {p['load']:>6.0f} | {s.evictions:>6} {s.forced_deletions:>6} "
            f"{s.nodes_launched:>5} {s.nodes_removed['optimizer']:>5} {s.nodes_removed['interruption']:>5} "
            f"{s.pdb_violations:>5} | {'agrees' if o.meter_agrees else 'MISMATCH':>8} {o.seconds:>6.1f}")


def main(argv: list[str] | None = None) -> int:
    """Replay every policy and print the table with the targets."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("SPOTHIVE_REPLAY_QUICK") == "1"
    ap.add_argument("--quick", action="store_true", default=quick, help="2 days of 20 nodes")
    ap.add_argument("--days", type=float)
    ap.add_argument("--nodes", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--risk", choices=("heuristic", "model"), default="heuristic",
                    help="SpotHive's risk model: the Advisor-bucket heuristic or the shipped LightGBM artifact")
    ap.add_argument("--ablation", action="store_true",
                    help="also replay SpotHive with a hive mind nobody reports to")
    args = ap.parse_args(argv)
    days = args.days or (2.0 if args.quick else 7.0)
    nodes = args.nodes or (20 if args.quick else 40)
    data = shared_data_dir()
    if not data.is_dir():
        print(f"shared data not found at {data} (set SPOTHIVE_SHARED_DATA)", file=sys.stderr)
        return 2
    catalog = real_catalog(data)
    trace = trace_cluster(data, catalog, nodes)
    peak = sum(w.peak for w in trace.workloads)
    print(f"Alibaba openb trace: {len(trace.nodes)} CPU nodes, {len(trace.workloads)} Deployments, {peak} pods "
          f"at peak; {days:g} simulated days in 1-minute ticks, seed {args.seed}, SpotHive risk: {args.risk}\n")
    model = risk_model(args.risk, data)
    names = (*POLICIES, ABLATION) if args.ablation else POLICIES
    out = {name: replay(name, trace, catalog, days, args.seed, model) for name in names}
    header = (f"{'policy':<17} {'$ spent':>10} {'$ saved':>9} {'of cost':>7} | {'pending pod-min':^22} | "
              f"{'pods':>6} {'pods':>6} {'nodes':>5} {'nodes':>5} {'nodes':>5} {'PDB':>5} | {'meter':>8} {'time':>6}")
    sub = (f"{'':<17} {'':>10} {'':>9} {'-only':>7} | {'optim.':>7} {'interr.':>7} {'load':>6} | "
           f"{'evict':>6} {'forced':>6} {'added':>5} {'drop':>5} {'lost':>5} {'viol':>5} | {'':>8} {'s':>6}")
    print(header)
    print(sub)
    print("-" * len(header))
    for name in names:
        print(_row(out[name], out["none"], out["cost-only"]))
    print()
    for name in names:
        o = out[name]
        extra = ", ".join(f"{k}={v}" for k, v in o.extra.items())
        print(f"{LABELS[name]:<17} Spot notices {o.notices} ({o.storm_notices} in storms; storm pools "
              f"{', '.join(o.storm_pools)}){'; ' + extra if extra else ''}")
    sh, co, ka = out["spothive"].summary, out["cost-only"].summary, out["karpenter"].summary
    ceiling = out["none"].summary.dollars - co.dollars
    share = (out["none"].summary.dollars - sh.dollars) / ceiling if ceiling > 0 else 0.0
    sh_disrupted = sh.evictions + sh.forced_deletions
    ka_disrupted = ka.evictions + ka.forced_deletions
    targets = [
        ("SpotHive captures >= 90 % of the cost-only savings", share >= 0.9, f"{share:.1%}"),
        ("no Pending pod-minutes caused by SpotHive's own actions", sh.pending_minutes["optimizer"] == 0,
         f"{sh.pending_minutes['optimizer']:.0f} min"),
        ("no PDB violations by SpotHive", sh.pdb_violations == 0, str(sh.pdb_violations)),
        ("SpotHive disrupts fewer pods than the Karpenter-like pass", sh_disrupted < ka_disrupted,
         f"{sh_disrupted} vs {ka_disrupted}"),
    ]
    be = out[BEFORE].summary
    print(f"\nSpotHive before → after the risk-aware pool choice (same seed {args.seed})")
    for label, b, a in (
        ("$ spent", f"{be.dollars:.2f}", f"{sh.dollars:.2f}"),
        ("% of cost-only savings", f"{(out['none'].summary.dollars - be.dollars) / ceiling:.1%}" if ceiling > 0
         else "-", f"{share:.1%}"),
        ("pending pod-min (optimizer)", f"{be.pending_minutes['optimizer']:.0f}", f"{sh.pending_minutes['optimizer']:.0f}"),
        ("pending pod-min (interruption)", f"{be.pending_minutes['interruption']:.0f}",
         f"{sh.pending_minutes['interruption']:.0f}"),
        ("pods evicted + forced", f"{be.evictions + be.forced_deletions}", f"{sh_disrupted}"),
        ("nodes lost to interruptions", f"{be.nodes_removed['interruption']}", f"{sh.nodes_removed['interruption']}"),
        ("PDB violations", f"{be.pdb_violations}", f"{sh.pdb_violations}"),
    ):
        print(f"  {label:<32} {b:>10} → {a:>10}")
    print("\ntargets")
    for text, ok, figure in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {text}: {figure}")
    if not all(o.meter_agrees for o in out.values()):
        print("the ledger and the independent meter disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
