"""Given both synthesized templates, checkov finds nothing that is neither fixed nor skipped with a reason.

checkov runs from its own venv (``make checkov-install``; see infra/checkov-requirements.txt for why),
offline: ``BC_SKIP_MAPPING`` stops it fetching guideline mappings, ``--skip-download`` external modules.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra.checkov import MIN_REASON
from infra.constants import PROJECT_ROOT

CHECKOV = Path(os.environ.get("SPOTHIVE_CHECKOV", PROJECT_ROOT / ".venv-checkov" / "bin" / "checkov"))


@pytest.fixture(scope="module")
def scan(synth) -> list[dict[str, Any]]:
    """checkov's JSON report over the hub and customer templates (one process, ~15 s)."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make checkov-install`")
    files = [str(synth.outdir / f"{stack.stack_name}.template.json")
             for stack in (synth.built.hub, synth.built.customer)]
    command = [str(CHECKOV), "--framework", "cloudformation", "--output", "json", "--compact",
               "--skip-download", *(arg for path in files for arg in ("--file", path))]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240, check=False)
    report = json.loads(done.stdout)
    return report if isinstance(report, list) else [report]


def _failed(scan: list[dict[str, Any]]) -> list[str]:
    return [f"{f['check_id']} {f['resource']} ({Path(f['file_path']).name})"
            for run in scan for f in run["results"]["failed_checks"]]


def test_checkov_finds_no_unskipped_failure(scan):
    summaries = [run["summary"] for run in scan]
    assert sum(s["parsing_errors"] for s in summaries) == 0
    assert sum(s["resource_count"] for s in summaries) > 300
    assert _failed(scan) == []


def test_every_checkov_skip_carries_a_reason(scan, synth):
    # Given every skip written into the templates
    written = [(logical, entry) for template in (synth.hub, synth.customer)
               for logical, resource in template["Resources"].items()
               for entry in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    # Then each names a check and says why in a sentence
    assert written
    assert all(entry["id"].startswith("CKV_") and len(entry["comment"]) >= MIN_REASON for _, entry in written)
    # And checkov honoured each one (reported it as skipped, with the same comment)
    skipped = {(s["check_id"], s["resource"].split(".")[-1]): s.get("check_result", {}).get("suppress_comment")
               for run in scan for s in run["results"]["skipped_checks"]}
    for logical, entry in written:
        assert skipped.get((entry["id"], logical)) == entry["comment"], (logical, entry["id"])


def test_print_checkov_summary(scan, capsys):
    skipped = Counter(s["check_id"] for run in scan for s in run["results"]["skipped_checks"])
    with capsys.disabled():
        for run in scan:
            s = run["summary"]
            print(f"\ncheckov {s['checkov_version']}: {s['passed']} passed, {s['failed']} failed, "
                  f"{s['skipped']} skipped with a reason over {s['resource_count']} resources")
        print("skipped: " + ", ".join(f"{check} x{n}" for check, n in sorted(skipped.items())))
    assert skipped
