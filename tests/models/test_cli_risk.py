"""``spothive risk evaluate`` end to end, and lightgbm staying out of the core's import path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spothive.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["risk", *argv])
    return code, capsys.readouterr().out


def _table(out: str, block_start: str, title_start: str) -> dict[str, list[float]]:
    lines = out.splitlines()
    block = next(i for i, line in enumerate(lines) if line.startswith(block_start))
    start = next(i for i in range(block, len(lines)) if lines[i].startswith(title_start))
    rows = {}
    for line in lines[start + 2 : start + 6]:
        if not line.strip():
            break
        name, numbers = line[:28].strip(), line[28:].split()
        rows[name] = [float(x) for x in numbers]
    return rows


ROWS = ["model (lightgbm)", "model (logistic)", "baseline: bucket carried", "baseline: static table"]


def test_cross_fit_on_synthetic_files(capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]) -> None:
    code, out = _run(
        capsys,
        "evaluate",
        "--train",
        str(synthetic["advisor"]),
        str(synthetic["prices"]),
        str(synthetic["catalog"]),
        "--test",
        str(synthetic["spotlake"]),
        "--folds",
        "3",
    )
    assert code == 0
    assert "features as of advisor_2021-01.json (2021-01-01); test spotlake_2021-06-01.csv (2021-06-01)" in out
    for block in ("== time hold-out (3 folds grouped by instance family)", "== family CV (3 folds"):
        assert f"{block}" in out
        rows = _table(out, block, "pools with a carried bucket (120)")
        assert list(rows) == ROWS
        assert all(row[0] == 120 for row in rows.values())
        assert rows["baseline: bucket carried"][1] == rows["baseline: static table"][1]  # same ranking
    assert "horizon 5.0 months (151 days)" in out


def test_test_date_flag_sets_the_horizon(capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]) -> None:
    code, out = _run(
        capsys,
        "evaluate",
        "--train",
        str(synthetic["advisor"]),
        str(synthetic["catalog"]),
        "--test",
        str(synthetic["spotlake"]),
        "--folds",
        "2",
        "--kind",
        "logistic",
        "--test-date",
        "2021-12-31",
    )
    assert code == 0
    assert "horizon 12.0 months (364 days)" in out
    assert "model (lightgbm)" not in out and "model (logistic)" in out


def test_bad_test_date_is_refused(capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["risk", "evaluate", "--train", str(synthetic["advisor"]), "--test", str(synthetic["spotlake"]),
              "--test-date", "31/12/2021"])
    assert caught.value.code == 2
    assert "--test-date must be YYYY-MM-DD" in capsys.readouterr().err


def test_forecast_when_training_holds_two_snapshots(
    capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]
) -> None:
    # advisor 2021-01 → SpotLake 2021-06 trains everything; the 2021-09 feed is only scored, 3.1 months on
    code, out = _run(
        capsys,
        "evaluate",
        "--train",
        str(synthetic["advisor"]),
        str(synthetic["spotlake"]),
        str(synthetic["catalog"]),
        "--test",
        str(synthetic["advisor_later"]),
    )
    assert code == 0
    block = "== time hold-out: forecast (trained on the advisor_2021-01.json → spotlake_2021-06-01.csv transition)"
    assert block in out
    assert "horizon 3.0 months (92 days)" in out
    rows = _table(out, block, "pools with a carried bucket (120)")
    assert list(rows) == ROWS


def test_later_sources_are_left_out(capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]) -> None:
    code, out = _run(
        capsys,
        "evaluate",
        "--train",
        str(synthetic["advisor"]),
        str(synthetic["advisor_later"]),
        "--test",
        str(synthetic["spotlake"]),
        "--folds",
        "2",
        "--kind",
        "logistic",
    )
    assert code == 0
    assert "left out (not before the test snapshot): advisor_2021-09.json" in out


def test_missing_file_and_unlabeled_test(
    capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]
) -> None:
    assert _run(capsys, "evaluate", "--train", "/nope.json", "--test", str(synthetic["spotlake"]))[0] == 2
    code, out = _run(
        capsys, "evaluate", "--train", str(synthetic["advisor"]), "--test", str(synthetic["prices"])
    )
    assert code == 2 and "must carry buckets" in out


@pytest.mark.timeout(900)  # about a minute on an idle 2-core host; the shipped LightGBM kind only
def test_shared_data_meets_the_calibration_targets(capsys: pytest.CaptureFixture[str], shared_data: Path) -> None:
    code, out = _run(
        capsys,
        "evaluate",
        "--train",
        str(shared_data / "spot-advisor-data_2021-02.json"),
        str(shared_data / "ec2_instance_types_karpenter.csv"),
        "--test",
        str(shared_data / "spotlake_snapshot_2022-07-12.csv"),
        "--kind",
        "lightgbm",
    )
    assert code == 0
    assert out.count("horizon 17.3 months (526 days)") >= 4
    held = _table(out, "== time hold-out", "pools with a carried bucket (3875)")
    cv = _table(out, "== family CV", "pools with a carried bucket (3875)")
    carried, static = held["baseline: bucket carried"], held["baseline: static table"]
    assert carried[1] == pytest.approx(0.741, abs=0.001)
    model = "model (lightgbm)"
    assert list(held) == [model, *ROWS[2:]]
    assert held[model][3] <= 0.08 and cv[model][3] <= 0.08  # ECE
    assert held[model][2] < static[2] and cv[model][2] < static[2]  # log-loss below the static table's
    assert held[model][1] > carried[1]  # ranks better than the carried bucket (by < 0.05: see the card)
    assert cv[model][1] > carried[1] + 0.1


def test_core_never_imports_lightgbm() -> None:
    code = (
        "import sys, importlib, pkgutil, spothive\n"
        "from spothive.cli import build_parser\n"
        "build_parser()\n"
        "for m in pkgutil.walk_packages(spothive.__path__, 'spothive.'):\n"
        "    if not m.name.startswith(('spothive.local', 'spothive.api', 'spothive.__main__')):\n"
        "        importlib.import_module(m.name)\n"
        "import spothive.api, functions.model_endpoint\n"
        "assert 'lightgbm' not in sys.modules, 'lightgbm imported'\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers"), str(ROOT / "models"), str(ROOT)]),
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
