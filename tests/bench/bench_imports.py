"""Cold import of every function module in a fresh interpreter (``python -X importtime``), best of 3,
beside ``import boto3`` (the floor every function pays) and the figure of the single-container wiring
this replaced, measured on the same machine (NOTES.md, loaded machine): workers ≈ 0.94-1.06 s, API route
groups ≈ 1.3-1.9 s, the model endpoint ≈ 0.33 s.

Targets: scheduled workers under 0.5 s, API route groups under 0.8 s.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers"), str(ROOT)]

from spothive import topology  # noqa: E402

#: The figure before per-context wiring (one container for every function).
BEFORE = {"api": "1.3-1.9", "worker": "0.94-1.06", "model-endpoint": "0.33", "opt": "0.94-1.06", "switch": "0.94-1.06"}
TARGET = {"api": 0.8, "worker": 0.5}


def cold_import_seconds(module: str) -> float:
    """Cumulative import time of ``module`` (µs from ``-X importtime``) in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("layers", "models", "agent", "."))}
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                            capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    total = 0
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and match.group(2).strip() == module:
            total = int(match.group(1))
    return total / 1e6


def best_of(module: str, runs: int = 3) -> float:
    return min(cold_import_seconds(module) for _ in range(runs))


def kind(name: str) -> str:
    for prefix in ("api", "worker", "opt", "switch"):
        if name.startswith(prefix):
            return prefix
    return name


def main() -> None:
    boto = best_of("boto3")
    print(f"{'function':22} {'module':30} {'before s':>10} {'now s':>7} {'target':>7}  verdict")
    print(f"{'(floor) boto3':22} {'boto3':30} {'0.20-0.26':>10} {boto:7.3f}")
    failed = 0
    for spec in topology.ALL_FUNCTIONS:
        module = "functions." + spec.handler.split(".")[0]
        seconds = best_of(module)
        k = kind(spec.name)
        target = TARGET.get(k)
        verdict = "" if target is None else ("ok" if seconds < target else "OVER")
        failed += verdict == "OVER"
        print(f"{spec.name:22} {module:30} {BEFORE.get(k, '?'):>10} {seconds:7.3f} "
              f"{(f'{target:.1f}' if target else '-'):>7}  {verdict}")
    print(f"{failed} function(s) over target")


if __name__ == "__main__":
    main()
