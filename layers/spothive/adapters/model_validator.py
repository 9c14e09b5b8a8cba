"""``ModelValidator`` as an isolated child process with CPU, memory, file-size and wall-clock limits.

The child is ``python -I -B`` (no user site, no ``PYTHON*`` variables, no bytecode writes) running
``spothive_models.validate_cli`` on a private copy of the upload, in an empty working directory, with a
minimal environment, its own session (so a timeout kills the whole group) and ``setrlimit`` applied
before it executes: ``RLIMIT_CPU``, ``RLIMIT_AS``, ``RLIMIT_FSIZE``, ``RLIMIT_NOFILE``, ``RLIMIT_CORE``.
This process never imports LightGBM; the child does, on LightGBM model text only (never pickle).
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from spothive.domain.model_registry import ValidationReport

_MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of one validation run."""

    cpu_seconds: int = 30
    memory_mib: int = 2048
    wall_seconds: float = 60.0
    file_mib: int = 16
    open_files: int = 256


def _package_roots() -> list[str]:
    """Directories holding ``spothive`` and ``spothive_models``, found without importing the latter."""
    roots: list[str] = []
    for name in ("spothive", "spothive_models"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"package {name} not found")
        root = str(Path(next(iter(spec.submodule_search_locations))).parent)
        if root not in roots:
            roots.append(root)
    return roots


class SubprocessValidator:
    """Runs the validator in a sandboxed child; a crash, limit or timeout is a rejection, with the reason."""

    def __init__(self, limits: Limits | None = None, min_auc: float = 0.75) -> None:
        self._limits = limits or Limits()
        self._min_auc = min_auc

    def _preexec(self) -> None:  # runs in the child between fork and exec
        lim = self._limits
        resource.setrlimit(resource.RLIMIT_CPU, (lim.cpu_seconds, lim.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (lim.memory_mib * _MIB, lim.memory_mib * _MIB))
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim.file_mib * _MIB, lim.file_mib * _MIB))
        resource.setrlimit(resource.RLIMIT_NOFILE, (lim.open_files, lim.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def validate(self, data: bytes) -> ValidationReport:
        """Write the bytes to a private temp dir, run the child, parse its one-line JSON report."""
        roots = _package_roots()
        bootstrap = (
            "import sys, runpy; sys.path[:0] = " + json.dumps(roots)
            + "; sys.argv[0] = 'validate_cli'; runpy.run_module('spothive_models.validate_cli', run_name='__main__')"
        )
        with tempfile.TemporaryDirectory(prefix="spothive-validate-") as work:
            path = Path(work) / "model.upload"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            env = {"PATH": "/usr/bin:/bin", "HOME": work, "OMP_NUM_THREADS": "1", "LANG": "C.UTF-8"}
            try:
                proc = subprocess.run(
                    [sys.executable, "-I", "-B", "-c", bootstrap, str(path), "--min-auc", str(self._min_auc)],
                    cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                    timeout=self._limits.wall_seconds, preexec_fn=self._preexec,
                    start_new_session=True, check=False,
                )
            except subprocess.TimeoutExpired:
                return ValidationReport(False, f"validator exceeded its {self._limits.wall_seconds:g} s time limit")
        return _report(proc)


def _report(proc: subprocess.CompletedProcess[bytes]) -> ValidationReport:
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        body = json.loads(lines[-1]) if lines else None
    except ValueError:
        body = None
    if isinstance(body, dict) and "ok" in body:
        return ValidationReport(bool(body["ok"]), body.get("reason"), dict(body.get("metrics") or {}))
    if proc.returncode < 0:
        reason = f"validator killed by signal {-proc.returncode} (CPU or memory limit)"
    else:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        reason = f"validator failed (exit {proc.returncode}): {tail[0]}"[:300]
    return ValidationReport(False, reason)
