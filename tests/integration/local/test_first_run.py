"""A first run as a new user does it: from any directory, no redis-server on PATH, Ctrl-C at any moment."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spothive import topology
from tests.integration.local.helpers import port_is_free

pytestmark = pytest.mark.integration

SPOTHIVE = Path(sys.executable).with_name("spothive")


def _env_without_redis_server(tmp_path: Path) -> dict[str, str]:
    """The environment minus PYTHONPATH and minus any directory holding a ``redis-server``."""
    path = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "redis-server").exists()]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("SPOTHIVE_", "AWS_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), *path])
    env["HOME"] = str(tmp_path)
    return env


def test_every_handler_imports_from_outside_the_project(tmp_path: Path) -> None:
    """The local stack dispatches Lambda tasks to ``functions.*``: installed, not found by the cwd."""
    handlers = sorted({spec.handler for spec in topology.ALL_FUNCTIONS})
    script = ("from spothive.local.dispatch import resolve_handler\n"
              f"for h in {handlers!r}:\n    assert callable(resolve_handler(h)), h\nprint('ok')")

    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=_env_without_redis_server(tmp_path),
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_ctrl_c_mid_demo_stops_everything_at_once(tmp_path: Path) -> None:
    """Given the demo running, one SIGINT ends the command promptly (130) and frees Redis' and the API's ports."""
    process = subprocess.Popen(
        [str(SPOTHIVE), "local", "--api-port", "0", "--moto-port", "0", "--redis-port", "0", "--no-ticker",
         "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path, env=_env_without_redis_server(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "=== SpotHive demo ===" in line:
                break
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        rest, _ = process.communicate(timeout=30)
        stopped_in = time.monotonic() - interrupted
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = "".join(lines) + rest

    assert process.returncode == 130, text[-3000:]
    assert stopped_in < 8, f"took {stopped_in:.1f}s to stop"  # was 10-13 s with the interpreter teardown
    assert "Audit ledger:" not in text  # the demo did not run to its end first
    redis_line = re.search(r"redis\s+redis://127\.0\.0\.1:(\d+)/0 \((\S+)\)", text)
    api_line = re.search(r"API\s+http://127\.0\.0\.1:(\d+)/api", text)
    assert redis_line is not None and api_line is not None, text[-3000:]
    assert redis_line.group(2) == "redis-server"  # the bundled one: PATH has none
    assert port_is_free(int(redis_line.group(1)))
    assert port_is_free(int(api_line.group(1)))
