"""Recalibration of the served model on the one real Advisor transition (plain script).

    PYTHONPATH=layers:models python tests/bench/bench_recalibration.py [--data-dir ../shared/data]

Every row is re-checked by ``calibration_check`` (plain Python, apart from the model package): the "before"
figures recomputed from the forecasts and labels, and the fitted map's in-sample log-loss, which a map fitted
around the identity can never make worse; a row that fails prints WRONG and the bench exits non-zero.

The previous state is the Spot Advisor feed of 2021-02 (with the catalog), the new labels the SpotLake
snapshot of 2022-07-12 (bucket >= 3), 3,875 Linux pools in both. For each horizon it prints the served
model's calibration figures beside the recalibrated ones ("before" is the baseline: the model as shipped;
"after" is 5-fold cross-fitted) and the time the fit takes. The shipped model was fitted on this very
transition, so at 526 days "before" is in-sample and the gain is a ceiling, not an estimate.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from calibration_check import apply_map, log_loss, recheck

from spothive_models.datasets import load_source, load_spotlake
from spothive_models.features import RiskContext
from spothive_models.serving import LightGBMRiskModel
from spothive_models.transition import recalibrate_on_transition

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SPOTHIVE_SHARED_DATA", ROOT.parents[1] / "shared" / "data"))
if not DATA.is_dir():  # the main checkout sits beside shared/, a worktree one level deeper
    DATA = ROOT.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DATA)
    args = parser.parse_args()
    feed, lake = args.data_dir / "spot-advisor-data_2021-02.json", args.data_dir / "spotlake_snapshot_2022-07-12.csv"
    catalog = args.data_dir / "ec2_instance_types_karpenter.csv"
    if not all(p.is_file() for p in (feed, lake, catalog)):
        print(f"skipped: the shared data is not in {args.data_dir}")
        return
    previous = RiskContext.from_sources([load_source(feed), load_source(catalog)])
    fresh = load_spotlake(lake).buckets
    model = LightGBMRiskModel.from_artifact(context=previous)
    print(
        f"{'horizon d':>9} {'n':>6} {'high':>6} | {'ECE':>13} {'log-loss':>13} {'Brier':>13} {'mean p':>13}"
        f" | {'a':>6} {'b':>5} {'fit s':>6} | {'in-sample LL':>12} {'re-check':>8}"
    )
    print(f"{'':>23}| {'before→after':>13} {'before→after':>13} {'before→after':>13} {'before→after':>13} |")
    failures = 0
    for days in (1.0, 30.0, 526.0):
        start = time.perf_counter()
        result, served = recalibrate_on_transition(model, previous, fresh, horizon_days=days)
        took = time.perf_counter() - start
        b, a = result.before, result.after
        assert b is not None and a is not None
        cells = [f"{getattr(b, k):.3f}→{getattr(a, k):.3f}" for k in ("ece", "log_loss", "brier", "mean_predicted")]
        a_, b_ = (f"{served.intercept:.3f}", f"{served.slope:.2f}") if served else ("—", "—")
        verdict, in_sample = independent_check(model, previous, fresh, days, result)
        print(
            f"{days:>9.0f} {result.n:>6} {result.observed_rate:>6.3f} | {cells[0]:>13} {cells[1]:>13} "
            f"{cells[2]:>13} {cells[3]:>13} | {a_:>6} {b_:>5} {took:>6.2f} | {in_sample:>12} {verdict:>8}"
        )
        failures += verdict != "ok"
    if failures:
        raise SystemExit(f"{failures} horizon(s) failed the independent re-check")


def independent_check(
    model: LightGBMRiskModel, previous: RiskContext, fresh: dict[tuple[str, str], int], days: float, result: object
) -> tuple[str, str]:
    """Recompute "before" apart from the model package, and the fitted map's in-sample log-loss, which a
    fit bounded around the identity can never make worse than "before"."""
    pools = sorted(set(previous.buckets) & set(fresh))
    probs = [float(p) for p in model.with_context(previous).pool_probabilities(pools, days)]
    labels = [1.0 if fresh[pool] >= 3 else 0.0 for pool in pools]
    before = result.before  # type: ignore[attr-defined]
    problems = recheck(labels, probs, {"ece": before.ece, "log_loss": before.log_loss, "brier": before.brier})
    fit = result.calibration  # type: ignore[attr-defined]
    if fit is None:
        return ("ok" if not problems else "WRONG"), "—"
    fitted_ll = log_loss(labels, apply_map(probs, fit.intercept, fit.slope))
    if fitted_ll > log_loss(labels, probs) + 1e-9:
        problems.append(f"the fitted map raises the log-loss to {fitted_ll:.4f}")
    for problem in problems:
        print(f"  re-check: {problem}")
    return ("ok" if not problems else "WRONG"), f"{fitted_ll:.3f}"


if __name__ == "__main__":
    main()
