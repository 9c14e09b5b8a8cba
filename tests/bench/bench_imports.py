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
column). ``mods`` counts the modules loaded after import / after the first call.

Targets (on ``import``): scheduled and async workers under 0.5 s, API route groups under 0.8 s.
Run: ``PYTHONPATH=layers .venv/bin/python tests/bench/bench_imports.py [function ...]``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers"), str(ROOT)]

from spothive import topology  # noqa: E402

#: The last figures before the wiring imported lazily (quiet machine, best of 3, ``import`` column).
BEFORE: dict[str, str] = {
    **{spec.name: "0.89-1.55" for spec in topology.API_FUNCTIONS},
    **{name: "0.58-0.67" for name in ("worker-prices", "worker-discovery", "worker-advisor", "worker-hibernation",
                                      "worker-spot-events")},
    "worker-report": "1.03", "worker-optimize": "0.95", "model-endpoint": "0.26",
}
TARGET = {"api": 0.8, "worker": 0.5}

#: Function → the wiring components its handler builds on a first invocation (API groups: from their routes).
FIRST_CALL: dict[str, tuple[str, ...]] = {
    "worker-prices": ("pricing.price_refresher",),
    "worker-discovery": ("accounts.discovery",),
    "worker-advisor": ("risk.advisor_ingest",),
    "worker-hibernation": ("configuration.hibernation_worker",),
    "worker-spot-events": ("risk.hive_mind",),
    "worker-report": ("reports.weekly_reports",),
    "worker-optimize": ("automation.worker",),
    "opt-detect": ("optimization.steps",), "opt-risk": ("optimization.steps",),
    "opt-decide": ("optimization.steps",), "opt-execute": ("optimization.steps",),
    "opt-wave": ("optimization.execution",), "opt-compensate": ("optimization.steps",),
    "opt-audit": ("optimization.steps",),
    "switch-step": ("lab.live_switch",),
    "ws-connect": ("streams.streams", "identity.auth"), "ws-disconnect": ("streams.streams",),
    "ws-default": ("streams.streams",), "stream-logs": ("streams.streams",),
}

#: Harmless values for the settings a function requires (nothing listens on port 1).
DUMMY = {"SPOTHIVE_REDIS_URL": "redis://127.0.0.1:1/0", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
         "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

_PROBE = """
import importlib, json, sys, time
import {module}
at_import = len(sys.modules)
t1 = time.perf_counter()
from spothive.wiring.registry import Component

def route_components(group):
    from spothive.api.app import ROUTE_GROUPS
    seen, todo = [], [d for m in ROUTE_GROUPS[group] for r in importlib.import_module(m).router.routes
                      for d in getattr(getattr(r, "dependant", None), "dependencies", ())]
    while todo:
        dep = todo.pop()
        todo.extend(dep.dependencies)
        if isinstance(dep.call, Component) and dep.call not in seen:
            seen.append(dep.call)
    return seen

builders = [getattr(importlib.import_module("spothive.wiring." + p.rsplit(".", 1)[0]), p.rsplit(".", 1)[1])
            for p in {builders!r}] or (route_components({group!r}) if {group!r} else [])
failed = []
for build in builders:
    try:
        build()
    except Exception as exc:
        failed.append(f"{{build.__name__}}: {{exc}}")
print(json.dumps([at_import, len(sys.modules), failed, time.perf_counter() - t1]))
"""


def _required_settings() -> set[str]:
    """The ``SPOTHIVE_*`` variables without a default (the others keep theirs)."""
    from pydantic_settings import BaseSettings

    from spothive import settings

    models = [m for m in vars(settings).values() if isinstance(m, type) and issubclass(m, BaseSettings)]
    return {f"SPOTHIVE_{name.upper()}" for m in models for name, field in m.model_fields.items() if field.is_required()}


def _env(spec: topology.FunctionSpec) -> dict[str, str]:
    paths = os.pathsep.join(str(ROOT / p) for p in ("layers", "models", "agent", "."))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": paths, **DUMMY}
    for name in set(spec.environment()) & _required_settings():
        env.setdefault(name, "spothive")
    return env


def _cumulative(stderr: str, module: str) -> float:
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and match.group(2).strip() == module:
            return int(match.group(1)) / 1e6
    return 0.0


def measure(spec: topology.FunctionSpec) -> tuple[float, float, int, int, list[str]]:
    """(import s, import + first call s, modules after import, after the first call, failed builds)."""
    module = "functions." + spec.handler.split(".")[0]
    group = spec.name if spec in topology.API_FUNCTIONS else ""
    builders = FIRST_CALL.get(spec.name, ())
    code = _PROBE.format(module=module, builders=builders, group=group)
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env=_env(spec), check=True)
    at_import, at_first, failed, build_seconds = json.loads(result.stdout.strip().splitlines()[-1])
    imported = _cumulative(result.stderr, module)
    return imported, imported + build_seconds, at_import, at_first, failed


def best_of(spec: topology.FunctionSpec, runs: int = 3) -> tuple[float, float, int, int, list[str]]:
    results = [measure(spec) for _ in range(runs)]
    best_import = min(r[0] for r in results)
    best_first = min(r[1] for r in results)
    return best_import, best_first, results[0][2], results[0][3], results[0][4]


def kind(name: str) -> str:
    for prefix in ("api", "worker"):
        if name.startswith(prefix):
            return prefix
    return name


def main(names: list[str]) -> None:
    specs = [s for s in topology.ALL_FUNCTIONS if not names or s.name in names]
    print(f"{'function':20} {'before s':>10} {'import s':>9} {'first s':>8} {'mods':>10} {'target':>7}  verdict")
    over = 0
    for spec in specs:
        imported, first, at_import, at_first, failed = best_of(spec)
        target = TARGET.get(kind(spec.name))
        verdict = "" if target is None else ("ok" if imported < target else "OVER")
        over += verdict == "OVER"
        note = f"  (not built: {', '.join(failed)})" if failed else ""
        print(f"{spec.name:20} {BEFORE.get(spec.name, '-'):>10} {imported:9.3f} {first:8.3f} "
              f"{f'{at_import}/{at_first}':>10} {(f'{target:.1f}' if target else '-'):>7}  {verdict}{note}")
    print(f"{over} function(s) over target")


if __name__ == "__main__":
    main(sys.argv[1:])
