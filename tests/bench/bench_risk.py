"""Latency of the interruption-risk predictors in process (plain script; not collected by pytest).

    PYTHONPATH=layers:models python tests/bench/bench_risk.py

Targets: one prediction < 1 ms, a 1,000-pool batch < 20 ms. Medians over repeated runs; the heuristic is
measured in the same run as the baseline. Uses the shared data for a realistic context when present.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from spothive.contracts.risk_v1 import RiskInput
from spothive.services.risk_heuristic import HeuristicRiskModel
from spothive_models.datasets import LabeledSnapshot, load_source
from spothive_models.features import RiskContext
from spothive_models.serving import LightGBMRiskModel

DATA = Path(os.environ.get("SPOTHIVE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))


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


def _inputs(context: RiskContext, n: int) -> list[RiskInput]:
    pools = sorted(context.buckets)[:n] or [("us-east-1", f"m5.{s}") for s in ("large", "xlarge")]
    items = []
    for i in range(n):
        region, itype = pools[i % len(pools)]
        items.append(
            RiskInput.model_validate(
                {
                    "contract_version": "v1.0",
                    "features": {
                        "instance_type": itype,
                        "availability_zone": f"{region}a",
                        "spot_price_history": [0.1, 0.11, 0.1],
                        "hour_of_day": i % 24,
                        "day_of_week": i % 7,
                    },
                }
            )
        )
    return items


def main() -> None:
    """Print the latency table."""
    context = RiskContext()
    if DATA.is_dir():
        feed = load_source(DATA / "spot-advisor-data_2021-02.json")
        assert isinstance(feed, LabeledSnapshot)
        context = RiskContext.from_sources([feed, load_source(DATA / "ec2_instance_types_karpenter.csv")])
    start = time.perf_counter()
    model = LightGBMRiskModel.from_artifact(context=context)
    load_ms = (time.perf_counter() - start) * 1000
    heuristic = HeuristicRiskModel(lambda region, itype: context.buckets.get((region, itype)))
    one = _inputs(context, 1)
    batch = _inputs(context, 1000)
    dumps = [item.model_dump() for item in batch]
    rows = [
        ("model: 1 prediction", _median_ms(lambda: model.predict(one), 2000), "< 1 ms"),
        ("model: 1,000-pool batch", _median_ms(lambda: model.predict(batch), 50), "< 20 ms"),
        ("heuristic: 1 prediction", _median_ms(lambda: heuristic.predict(one), 2000), "baseline"),
        ("heuristic: 1,000-pool batch", _median_ms(lambda: heuristic.predict(batch), 50), "baseline"),
        (
            "validate 1,000 v1.0 inputs",
            _median_ms(lambda: [RiskInput.model_validate(d) for d in dumps], 20),
            "info",
        ),
    ]
    print(f"context: {len(context.buckets)} pools with Advisor buckets; artifact load {load_ms:.1f} ms")
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    print(f"{'case':<30}{'wall ms':>10}{'cpu ms':>10}  target")
    for name, (wall, cpu), target in rows:
        print(f"{name:<30}{wall:>10.3f}{cpu:>10.3f}  {target}")


if __name__ == "__main__":
    main()
