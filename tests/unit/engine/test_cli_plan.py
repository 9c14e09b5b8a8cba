"""``spothive plan``: schema validation with JSON paths, exit codes, plan output and summary."""

from __future__ import annotations

import json
from pathlib import Path

from spothive.cli import main


def _write(tmp_path: Path, name: str, doc: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


SNAPSHOT = {
    "cluster": "demo",
    "region": "us-east-1",
    "nodes": [
        {"name": "a", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a"},
        {"name": "b", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1b"},
    ],
    "pods": [
        {"namespace": "app", "name": "p1", "node": "a", "cpu_m": 500, "memory_mib": 1024},
        {"namespace": "app", "name": "p2", "node": "b", "cpu_m": 500, "memory_mib": 1024},
    ],
    "pdbs": [],
}


def test_plan_writes_valid_plan_and_summary(tmp_path: Path, capsys) -> None:
    out = tmp_path / "plan.json"
    code = main(
        [
            "plan",
            "--snapshot",
            _write(tmp_path, "s.json", SNAPSHOT),
            "--policy",
            _write(tmp_path, "p.json", {"aggressiveness": 80, "spot_allowed": False}),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["cost_before_per_hour"] == 0.384
    assert plan["cost_after_per_hour"] == 0.085  # one c5.large holds both pods
    assert set(plan["placements"]) == {"app/p1", "app/p2"}
    assert "2 → 1 nodes" in capsys.readouterr().err


def test_invalid_snapshot_names_the_bad_field(tmp_path: Path, capsys) -> None:
    bad = json.loads(json.dumps(SNAPSHOT))
    bad["pods"][1]["cpu_m"] = "lots"
    code = main(["plan", "--snapshot", _write(tmp_path, "s.json", bad)])
    assert code == 2
    assert "$.pods[1].cpu_m" in capsys.readouterr().err


def test_invalid_policy_and_unknown_type_exit_2(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "plan",
            "--snapshot",
            _write(tmp_path, "s.json", SNAPSHOT),
            "--policy",
            _write(tmp_path, "p.json", {"aggressiveness": 95}),
        ]
    )
    assert code == 2
    assert "$.aggressiveness" in capsys.readouterr().err
    odd = json.loads(json.dumps(SNAPSHOT))
    odd["nodes"][0]["instance_type"] = "zz9.mega"
    assert main(["plan", "--snapshot", _write(tmp_path, "s2.json", odd)]) == 2
    assert "nodes[0].instance_type" in capsys.readouterr().err


def test_catalog_csv_option(tmp_path: Path, shared_data, capsys) -> None:
    code = main(
        [
            "plan",
            "--snapshot",
            _write(tmp_path, "s.json", SNAPSHOT),
            "--catalog",
            str(shared_data / "ec2_instance_types_karpenter.csv"),
        ]
    )
    assert code == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["cost_after_per_hour"] < plan["cost_before_per_hour"]


def test_daemonset_pods_pass_the_schema_and_leave_with_their_node(tmp_path: Path) -> None:
    # Given aws-node DaemonSet pods in kube-system on both nodes
    doc = json.loads(json.dumps(SNAPSHOT))
    for n in ("a", "b"):
        doc["pods"].append(
            {"namespace": "kube-system", "name": f"aws-node-{n}", "node": n, "cpu_m": 25, "memory_mib": 64,
             "owner": "aws-node", "owner_kind": "DaemonSet"}
        )
    out = tmp_path / "plan.json"
    policy = _write(tmp_path, "p.json", {"aggressiveness": 80, "spot_allowed": False})
    code = main(["plan", "--snapshot", _write(tmp_path, "s.json", doc), "--policy", policy, "--out", str(out)])
    # Then both nodes still give way to one c5.large and no DaemonSet pod is placed or unplaced
    assert code == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan["cost_after_per_hour"] == 0.085
    assert set(plan["placements"]) == {"app/p1", "app/p2"}
    assert plan["unplaced"] == []
    bad = json.loads(json.dumps(doc))
    bad["pods"][2]["owner_kind"] = 7
    assert main(["plan", "--snapshot", _write(tmp_path, "bad.json", bad)]) == 2
