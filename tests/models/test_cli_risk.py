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


def _table(out: str, title_start: str) -> dict[str, list[float]]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title_start))
    rows = {}
    for line in lines[start + 2 : start + 5]:
        name, numbers = line[:28].strip(), line[28:].split()
        rows[name] = [float(x) for x in numbers]
    return rows


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
    assert out.startswith("protocol: cross-fit (3 folds grouped by instance family")
    rows = _table(out, "pools with a carried bucket (120)")
    assert list(rows) == ["model (LightGBM)", "baseline: bucket carried", "baseline: static table"]
    assert all(row[0] == 120 for row in rows.values())
    assert rows["baseline: bucket carried"][1] == rows["baseline: static table"][1]  # same ranking


def test_forecast_when_training_holds_two_snapshots(
    capsys: pytest.CaptureFixture[str], synthetic: dict[str, Path]
) -> None:
    # advisor 2021-01 → SpotLake 2021-06 transitions train the model; the 2021-09 feed is only scored
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
    assert out.startswith("protocol: forecast (trained on 120 earlier transitions)")


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


def test_shared_data_time_split_beats_both_baselines(
    capsys: pytest.CaptureFixture[str], shared_data: Path
) -> None:
    code, out = _run(
        capsys,
        "evaluate",
        "--train",
        str(shared_data / "spot-advisor-data_2021-02.json"),
        str(shared_data / "aws_spot_price_2022-05-31_linux.csv"),
        str(shared_data / "ec2_instance_types_karpenter.csv"),
        "--test",
        str(shared_data / "spotlake_snapshot_2022-07-12.csv"),
    )
    assert code == 0
    rows = _table(out, "pools with a carried bucket (3875)")
    model, carried, static = (
        rows["model (LightGBM)"],
        rows["baseline: bucket carried"],
        rows["baseline: static table"],
    )
    assert carried[1] == pytest.approx(0.741, abs=0.001)
    assert model[1] > carried[1] + 0.05 and model[1] > static[1] + 0.05
    assert model[2] < static[2] < carried[2]  # log-loss
    assert model[3] < 0.05  # ECE


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
