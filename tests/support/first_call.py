"""A function's cold start in a fresh interpreter: its handler module's import, then its first call's builds.

The wiring imports an adapter only when a component builds it, so what a function loads is what its first
invocation builds: the worker's use case, or every component a route group's routes depend on. ``probe``
imports the handler module, builds those components offline (required settings get harmless values, Redis
and AWS point at a closed local port, nothing is called) and reports the modules loaded at each stage.
Shared by the import-set tests and ``tests/bench/bench_imports.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from spothive import topology

ROOT = Path(__file__).resolve().parents[2]

#: Function → the wiring components its handler builds on a first invocation (route groups: from their routes).
FIRST_CALL: dict[str, tuple[str, ...]] = {
    "worker-prices": ("pricing.price_refresher",),
    "worker-discovery": ("accounts.discovery",),
    "worker-advisor": ("risk.advisor_ingest",),
    "worker-hibernation": ("configuration.hibernation_worker",),
    "worker-spot-events": ("risk.hive_mind",),
    "worker-report": ("reports.weekly_reports",),
    "worker-optimize": ("automation.worker",),
    **{name: ("optimization.steps",) for name in ("opt-detect", "opt-risk", "opt-decide", "opt-execute",
                                                   "opt-compensate", "opt-audit")},
    "opt-wave": ("optimization.execution",),
    "switch-step": ("lab.live_switch",),
    "ws-connect": ("streams.streams", "identity.auth"), "ws-disconnect": ("streams.streams",),
    "ws-default": ("streams.streams",), "stream-logs": ("streams.streams",),
    "model-endpoint": (),
}

#: Harmless values for the process environment (nothing listens on port 1).
OFFLINE = {"SPOTHIVE_REDIS_URL": "redis://127.0.0.1:1/0", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

_PROBE = """
import importlib, json, sys, time
c0 = time.process_time()
import {module}
c1 = time.process_time()
at_import = sorted(sys.modules)
t1 = time.perf_counter()
names = {builders!r}
if names:
    builds = [getattr(importlib.import_module("spothive.wiring." + n.rsplit(".", 1)[0]), n.rsplit(".", 1)[1])
              for n in names]
elif {group!r}:
    from spothive.api.app import route_components
    builds = route_components({group!r})
else:
    builds = []
failed = []
for build in builds:
    try:
        build()
    except Exception as exc:
        failed.append(f"{{build.__name__}}: {{exc}}")
seconds, c2 = time.perf_counter() - t1, time.process_time()
print(json.dumps({{"import": at_import, "first": sorted(sys.modules), "failed": failed, "build_s": seconds,
                  "cpu": [c1 - c0, c2 - c0]}}))
"""


@dataclass(frozen=True)
class ColdStart:
    """What a fresh interpreter loaded importing the handler module, then after its first call's builds."""

    at_import: frozenset[str]
    at_first_call: frozenset[str]
    failed: tuple[str, ...]
    build_seconds: float
    importtime: str
    #: CPU seconds of the import, and of the import plus the builds (steadier than wall time on a busy host)
    cpu: tuple[float, float] = (0.0, 0.0)

    def loaded(self, families: tuple[str, ...], *, first_call: bool = True) -> list[str]:
        """The ``families`` (packages or modules) loaded at that stage."""
        mods = self.at_first_call if first_call else self.at_import
        return sorted({f for f in families for m in mods if m == f or m.startswith(f + ".")})


def module_of(spec: topology.FunctionSpec) -> str:
    """The handler's module (``functions.<name>``)."""
    return "functions." + spec.handler.split(".")[0]


def _required_settings() -> set[str]:
    """The ``SPOTHIVE_*`` variables without a default (the others keep theirs)."""
    from pydantic_settings import BaseSettings

    from spothive import settings

    models = [m for m in vars(settings).values() if isinstance(m, type) and issubclass(m, BaseSettings)]
    return {f"SPOTHIVE_{name.upper()}" for m in models for name, field in m.model_fields.items()
            if field.is_required()}


def environment(spec: topology.FunctionSpec) -> dict[str, str]:
    """The function's environment offline: its required settings with placeholder values."""
    paths = os.pathsep.join(str(ROOT / p) for p in ("layers", "models", "agent", "."))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": paths, **OFFLINE}
    for name in sorted(set(spec.environment()) & _required_settings()):
        env.setdefault(name, "123456789012" if name.endswith("ACCOUNT_ID") else "spothive")
    return env


def probe(spec: topology.FunctionSpec, *, importtime: bool = False) -> ColdStart:
    """Import ``spec``'s handler module in a fresh interpreter, then build what its first call builds."""
    group = spec.name if spec in topology.API_FUNCTIONS else ""
    code = _PROBE.format(module=module_of(spec), builders=FIRST_CALL.get(spec.name, ()), group=group)
    flags = ["-X", "importtime"] if importtime else []
    result = subprocess.run([sys.executable, *flags, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env=environment(spec), check=True)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return ColdStart(frozenset(out["import"]), frozenset(out["first"]), tuple(out["failed"]), out["build_s"],
                     result.stderr, tuple(out["cpu"]))
