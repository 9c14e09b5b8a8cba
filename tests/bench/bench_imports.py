"""Cold start of every function module in a fresh interpreter, best of 3, beside the figure before the
wiring built its adapters lazily (quiet machine, best of 3).

Two columns, both measured with ``python -X importtime``:

* ``import`` — the cumulative import time of the handler module (what the Lambda init phase pays);
* ``first`` — that plus building the components the handler's first invocation builds (the workers' use
  case, or every wiring component a route group's routes depend on), offline: the settings get harmless
  values, Redis and AWS point at closed local ports and nothing is called. Since the wiring imports an
  adapter only when it builds it, this column is the honest one for "no import of code a function never
  calls": it holds exactly what the first invocation loads, while ``import`` shows what moved out of init.

The API functions run with SnapStart: their routers, FastAPI, Redis and botocore load at init (in the
snapshot); what the routes' components add loads on the first request after a restore (the ``first``
column). ``cpu s`` is the interpreter's CPU time for the import / import plus first call (steadier than
the wall time when the host is busy); ``mods`` counts the modules loaded after import / after the first call.

Targets (on ``import``): scheduled and async workers under 0.5 s, API route groups under 0.8 s.
Run: ``PYTHONPATH=layers .venv/bin/python tests/bench/bench_imports.py [function ...]``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers"), str(ROOT)]

from spothive import topology  # noqa: E402
from tests.support import first_call  # noqa: E402

#: The last figures before the wiring imported lazily (quiet machine, best of 3, ``import`` column).
BEFORE: dict[str, str] = {
    **{spec.name: "0.89-1.55" for spec in topology.API_FUNCTIONS},
    **{name: "0.58-0.67" for name in ("worker-prices", "worker-discovery", "worker-advisor", "worker-hibernation",
                                      "worker-spot-events")},
    "worker-report": "1.03", "worker-optimize": "0.95", "model-endpoint": "0.26",
}
#: CPU seconds (import / import + first call) of the eager wiring, best of 3-5, measured beside this one on a
#: busy shared host (where wall times ran 3-10x their quiet figures).
BEFORE_CPU: dict[str, str] = {
    "worker-prices": "0.520/0.724",
    "worker-advisor": "0.601/0.603",
    "worker-optimize": "0.680/0.738",
    "worker-report": "0.860/0.866",
    "worker-discovery": "0.708/1.008",
    "worker-hibernation": "0.732/0.929",
    "worker-spot-events": "0.589/0.592",
    "api-audit": "1.002/1.173",
    "api-clusters": "1.408/1.895",
    "api-admin": "1.214/2.048",
    "switch-step": "0.525/0.707",
    "opt-detect": "0.694/0.963",
    "api-auth": "0.998/1.179",
    "api-connect": "0.987/1.410",
    "api-config": "1.069/1.264",
    "model-endpoint": "0.195/0.195",
    "opt-wave": "0.852/1.096",
    "opt-execute": "0.803/1.043",
    "ws-connect": "0.671/0.757",
    "ws-default": "0.616/0.618",
    "stream-logs": "0.515/0.649",
}
#: The route groups' ``import`` CPU seconds before their routers stopped importing the services behind them
#: and redis-py (best of 3, load average 1.0).
BEFORE_ROUTERS_CPU: dict[str, str] = {
    "api-auth": "0.45", "api-connect": "0.48", "api-clusters": "0.68", "api-config": "0.56", "api-audit": "0.46",
    "api-admin": "0.57",
}
TARGET = {"api": 0.8, "worker": 0.5}



def _cumulative(stderr: str, module: str) -> float:
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and match.group(2).strip() == module:
            return int(match.group(1)) / 1e6
    return 0.0


def measure(spec: topology.FunctionSpec) -> tuple[float, float, float, float, int, int, tuple[str, ...]]:
    """(import s, import + first call s, CPU s of both, modules after import and after the first call,
    failed builds)."""
    cold = first_call.probe(spec, importtime=True)
    imported = _cumulative(cold.importtime, first_call.module_of(spec))
    return (imported, imported + cold.build_seconds, *cold.cpu, len(cold.at_import), len(cold.at_first_call),
            cold.failed)


def best_of(spec: topology.FunctionSpec, runs: int = 3) -> tuple[float, float, float, float, int, int, tuple[str, ...]]:
    results = [measure(spec) for _ in range(runs)]
    first = results[0]
    return (min(r[0] for r in results), min(r[1] for r in results), min(r[2] for r in results),
            min(r[3] for r in results), first[4], first[5], first[6])


def kind(name: str) -> str:
    for prefix in ("api", "worker"):
        if name.startswith(prefix):
            return prefix
    return name


def main(names: list[str]) -> None:
    specs = [s for s in topology.ALL_FUNCTIONS if not names or s.name in names]
    print("load average (1, 5, 15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'function':20} {'before s':>10} {'import s':>9} {'first s':>8} {'cpu s':>12} {'cpu before':>12} {'cpu prev':>8} {'mods':>10} "
          f"{'target':>7}  verdict")
    over = 0
    for spec in specs:
        imported, first, cpu_import, cpu_first, at_import, at_first, failed = best_of(spec)
        target = TARGET.get(kind(spec.name))
        verdict = "" if target is None else ("ok" if imported < target else "OVER")
        over += verdict == "OVER"
        note = f"  (not built: {', '.join(failed)})" if failed else ""
        print(f"{spec.name:20} {BEFORE.get(spec.name, '-'):>10} {imported:9.3f} {first:8.3f} "
              f"{f'{cpu_import:.2f}/{cpu_first:.2f}':>12} {BEFORE_CPU.get(spec.name, '-'):>12} {BEFORE_ROUTERS_CPU.get(spec.name, '-'):>8} "
              f"{f'{at_import}/{at_first}':>10} "
              f"{(f'{target:.1f}' if target else '-'):>7}  {verdict}{note}")
    print(f"{over} function(s) over target")


if __name__ == "__main__":
    main(sys.argv[1:])
