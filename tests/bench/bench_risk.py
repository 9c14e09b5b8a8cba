"""Latency of the interruption-risk predictors in process, new code beside the old (plain script).

    PYTHONPATH=layers:models python tests/bench/bench_risk.py [--baseline-rev main] [--no-baseline]

Targets: one prediction < 1 ms, a 1,000-pool batch < 20 ms. Medians over repeated runs. The baseline is
the same benchmark of the code at ``--baseline-rev`` (default ``main``), extracted with ``git archive`` into
a temporary directory and run in a subprocess right after this one, so both rows come from one run on the
same host load. Uses the shared data for a realistic context when present.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from spothive.contracts.risk_v1 import RiskInput
from spothive.services.risk_heuristic import HeuristicRiskModel
from spothive_models.datasets import LabeledSnapshot, load_source
from spothive_models.features import RiskContext
from spothive_models.serving import LightGBMRiskModel

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SPOTHIVE_SHARED_DATA", ROOT.parents[1] / "shared" / "data"))
if not DATA.is_dir():
    DATA = ROOT.parent / "shared" / "data"


def _median_ms(fn: Callable[[], object], repeats: int, warmup: int = 5) -> tuple[float, float]:
    """Median wall-clock and median CPU (this process) milliseconds per call."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def _inputs(context: RiskContext, n: int, **extra: object) -> list[RiskInput]:
    pools = sorted(context.buckets)[:n] or [("us-east-1", f"m5.{s}") for s in ("large", "xlarge")]
    items = []
    for i in range(n):
        region, itype = pools[i % len(pools)]
        features = {
            "instance_type": itype,
            "availability_zone": f"{region}a",
            "spot_price_history": [0.1, 0.11, 0.1],
            "hour_of_day": i % 24,
            "day_of_week": i % 7,
            **{k: (v(i) if callable(v) else v) for k, v in extra.items()},
        }
        items.append(RiskInput.model_validate({"contract_version": "v1.0", "features": features}))
    return items


def measure() -> tuple[str, list[tuple[str, tuple[float, float], str]]]:
    """(header line, rows) of this code's benchmark."""
    context = RiskContext()
    if DATA.is_dir():
        feed = load_source(DATA / "spot-advisor-data_2021-02.json")
        assert isinstance(feed, LabeledSnapshot)
        context = RiskContext.from_sources([feed, load_source(DATA / "ec2_instance_types_karpenter.csv")])
    start = time.perf_counter()
    model = LightGBMRiskModel.from_artifact(context=context)
    load_ms = (time.perf_counter() - start) * 1000
    heuristic = HeuristicRiskModel(lambda region, itype: context.buckets.get((region, itype)))
    one, batch = _inputs(context, 1), _inputs(context, 1000)
    rows = [
        ("model: 1 prediction", _median_ms(lambda: model.predict(one), 2000), "< 1 ms"),
        ("model: 1,000-pool batch", _median_ms(lambda: model.predict(batch), 50), "< 20 ms"),
    ]
    if "horizon_days" in RiskInput.model_fields["features"].annotation.model_fields:  # type: ignore[union-attr]
        priced = _inputs(context, 1000, on_demand_price=lambda i: 0.1 + i / 1000)
        horizons = _inputs(context, 1000, horizon_days=lambda i: (7, 30, 90, 365, 730)[i % 5])
        rows += [
            ("model: batch, own On-Demand", _median_ms(lambda: model.predict(priced), 50), "< 20 ms"),
            ("model: batch, 5 horizons", _median_ms(lambda: model.predict(horizons), 50), "< 20 ms"),
        ]
    dumps = [item.model_dump() for item in batch]
    rows += [
        ("heuristic: 1 prediction", _median_ms(lambda: heuristic.predict(one), 2000), "reference"),
        ("heuristic: 1,000-pool batch", _median_ms(lambda: heuristic.predict(batch), 50), "reference"),
        ("validate 1,000 v1.0 inputs", _median_ms(lambda: [RiskInput.model_validate(d) for d in dumps], 20), "info"),
    ]
    head = f"context: {len(context.buckets)} pools with Advisor buckets; artifact load {load_ms:.1f} ms"
    return head, rows


_ROW = re.compile(r"^(?P<name>\S.*?)\s{2,}(?P<wall>\d+\.\d+)\s+(?P<cpu>\d+\.\d+)\s")


def baseline(rev: str) -> dict[str, tuple[float, float]]:
    """The benchmark of the code at ``rev``, run in a subprocess from a ``git archive`` of it."""
    with tempfile.TemporaryDirectory(prefix="bench-risk-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "layers", "models", "tests/bench"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        env = {**os.environ, "PYTHONPATH": f"{tmp}/layers{os.pathsep}{tmp}/models", "SPOTHIVE_SHARED_DATA": str(DATA)}
        script = [sys.executable, f"{tmp}/tests/bench/bench_risk.py"]
        if "--no-baseline" in Path(script[1]).read_text():
            script.append("--no-baseline")
        out = subprocess.run(script, env=env, capture_output=True, text=True, check=True, cwd=tmp).stdout
    rows = {}
    for line in out.splitlines():
        if match := _ROW.match(line):
            rows[match["name"]] = (float(match["wall"]), float(match["cpu"]))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the latency table, with the baseline revision's figures beside."""
    parser = argparse.ArgumentParser(prog="bench_risk")
    parser.add_argument("--baseline-rev", default="main")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args(argv)
    head, rows = measure()
    old = {} if args.no_baseline else baseline(args.baseline_rev)
    print(head)
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"{'case':<30}{'wall ms':>10}{'cpu ms':>10}  target" + (f"   {args.baseline_rev}: wall / cpu ms" if old else ""))
    for name, (wall, cpu), target in rows:
        before = old.get(name)
        tail = f"   {before[0]:.3f} / {before[1]:.3f}" if before else ("   -" if old else "")
        print(f"{name:<30}{wall:>10.3f}{cpu:>10.3f}  {target:<9}{tail}")


if __name__ == "__main__":
    main()
