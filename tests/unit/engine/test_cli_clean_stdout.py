"""Machine-readable output stays machine-readable: stdout carries the plan JSON and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.unit.engine.test_cli_plan import SNAPSHOT


def _spothive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter, as a shell runs it: the solver's first construction happens inside it."""
    return subprocess.run([sys.executable, "-m", "spothive", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def test_plan_on_stdout_parses_as_json_with_the_milp_solver_running(tmp_path: Path) -> None:
    snapshot = tmp_path / "s.json"
    snapshot.write_text(json.dumps(SNAPSHOT), encoding="utf-8")

    done = _spothive("plan", "--snapshot", str(snapshot), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert "HiGHS" not in done.stdout
    plan = json.loads(done.stdout)
    assert set(plan["placements"]) == {"app/p1", "app/p2"}
    assert "nodes" in done.stderr  # the summary goes to stderr


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    done = _spothive("--version", cwd=tmp_path)

    assert done.returncode == 0
    assert done.stdout.strip().startswith("spothive 0.")
