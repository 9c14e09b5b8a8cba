"""Benchmark workloads: a fragmented synthetic cluster and the Alibaba openb traces mapped onto EC2."""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path
from typing import Any

from spothive.domain.catalog import Catalog, load_catalog_csv, parse_spot_advisor_json, parse_spot_price_csv

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ZONES = ("use1-az1", "use1-az2", "use1-az4")
FRAGMENTED_TYPES = ("m5.2xlarge", "m5.4xlarge", "c5.4xlarge", "r5.2xlarge", "m5.8xlarge", "m6i.4xlarge")


def shared_data_dir() -> Path:
    """``../shared/data`` beside the project, or ``SPOTHIVE_SHARED_DATA``."""
    return Path(os.environ.get("SPOTHIVE_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


def real_catalog(data: Path) -> Catalog:
    """The shared EC2 catalog with one day of us-east-1 spot prices and the Spot Advisor buckets."""
    catalog = load_catalog_csv(data / "ec2_instance_types_karpenter.csv")
    spots = parse_spot_price_csv((data / "aws_spot_price_2022-05-31_linux.csv").read_text(encoding="utf-8"))
    spots = {k: v for k, v in spots.items() if k[1] in ZONES}
    advisor = parse_spot_advisor_json((data / "spot-advisor-data_2021-02.json").read_text(encoding="utf-8"))
    return catalog.with_prices(spot_prices=spots, advisor=advisor)


def _pod(rng: random.Random, i: int, node: str | None) -> dict[str, Any]:
    return {
        "namespace": f"team-{i % 7}",
        "name": f"pod-{i:05d}",
        "node": node,
        "cpu_m": rng.randrange(100, 1501, 50),
        "memory_mib": rng.randrange(100, 4097, 4),
        "owner": f"deploy-{i % 97}",
    }


def fragmented(pods: int, catalog: Catalog, seed: int = 7) -> dict[str, Any]:
    """Karpenter-benchmark-like pods (100-1500m, 100Mi-4Gi) on half-empty mixed on-demand nodes."""
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    i = 0
    while i < pods:
        itype = catalog.types[rng.choice(FRAGMENTED_TYPES)]
        name = f"node-{len(nodes):04d}"
        nodes.append(
            {
                "name": name,
                "instance_type": itype.name,
                "capacity_type": "on-demand",
                "zone": ZONES[len(nodes) % len(ZONES)],
                "labels": {},
                "taints": [],
            }
        )
        target = rng.uniform(0.3, 0.6)
        used_c = used_m = 0
        while i < pods:
            pod = _pod(rng, i, name)
            if (
                used_c + pod["cpu_m"] > target * itype.alloc_cpu_m
                or used_m + pod["memory_mib"] > target * itype.alloc_memory_mib
                or len([p for p in out[-itype.max_pods :] if p["node"] == name]) + 1 > itype.max_pods
            ):
                break
            used_c += pod["cpu_m"]
            used_m += pod["memory_mib"]
            out.append(pod)
            i += 1
    pdbs = [
        {
            "namespace": f"team-{k % 7}",
            "name": f"pdb-{k}",
            "selector_owner": f"deploy-{k}",
            "max_unavailable": 50,
        }
        for k in range(0, 97, 5)
    ]
    return {"cluster": f"fragmented-{pods}", "region": "us-east-1", "nodes": nodes, "pods": out, "pdbs": pdbs}


ACCELERATORS = ("nvidia.com/gpu", "amd.com/gpu", "aws.amazon.com/neuron")


def constrained(pods: int, catalog: Catalog, seed: int = 11) -> dict[str, Any]:
    """The fragmented cluster with snapshot v2 constraints: every 5th workload spread over zones (max skew 1),
    every 7th over hosts, every 11th pod on a zonal volume in its node's zone, and 1 % pending pods asking for
    one NVIDIA, AMD or Neuron accelerator in turn."""
    doc = fragmented(pods, catalog, seed)
    zone_of = {n["name"]: n["zone"] for n in doc["nodes"]}
    for i, p in enumerate(doc["pods"]):
        k = int(p["owner"].rsplit("-", 1)[1])
        p["owner_kind"] = "Deployment"
        p["labels"] = {"app": p["owner"]}
        if k % 5 == 0:
            p["topology_spread"] = [
                {"max_skew": 1, "topology_key": "topology.kubernetes.io/zone", "when_unsatisfiable": "DoNotSchedule",
                 "selector": {"matchLabels": {"app": p["owner"]}}}
            ]
        elif k % 7 == 0:
            p["topology_spread"] = [
                {"max_skew": 1, "topology_key": "kubernetes.io/hostname", "when_unsatisfiable": "DoNotSchedule"}
            ]
        if i % 11 == 0:
            p["pvcs"], p["volume_zones"] = [f"data-{i}"], [zone_of[p["node"]]]
    for j in range(pods // 100):
        accel = ACCELERATORS[j % 3]
        doc["pods"].append(
            {"namespace": "ml", "name": f"infer-{j:04d}", "node": None, "cpu_m": 1500, "memory_mib": 4096,
             "gpu": 0 if accel.startswith("aws") else 1, "extended": {accel: 1}, "owner": f"infer-{j % 4}",
             "owner_kind": "Deployment"}
        )
    doc["cluster"] = f"constrained-{pods}"
    return doc


def _closest_type(catalog: Catalog, cpu_m: int, mem: int, gpu: int) -> str:
    best: tuple[float, str] | None = None
    for t in catalog.types.values():
        if t.ondemand_price is None or t.vcpu * 1000 < cpu_m or t.memory_mib < mem or t.gpus < gpu:
            continue
        if gpu == 0 and t.gpus > 0:
            continue
        if gpu > 0 and t.accelerator != "nvidia.com/gpu":  # the trace's GPUs are NVIDIA
            continue
        waste = (t.vcpu * 1000 - cpu_m) / max(cpu_m, 1) + (t.memory_mib - mem) / max(mem, 1)
        key = waste + t.ondemand_price * 1e-3
        if best is None or key < best[0]:
            best = (key, t.name)
    assert best is not None, (cpu_m, mem, gpu)
    return best[1]


def alibaba(data: Path, catalog: Catalog, pod_file: str = "openb_pod_list_default.csv") -> dict[str, Any]:
    """Alibaba openb pods placed round-robin first-fit on the trace's nodes mapped to the closest EC2 types.

    Pods that fit no node are left out, so every pod of the workload runs somewhere at the start.
    """
    base = data / "alibaba_openb"
    with (base / "openb_node_list_all_node.csv").open(encoding="utf-8") as fh:
        raw_nodes = list(csv.DictReader(fh))
    with (base / pod_file).open(encoding="utf-8") as fh:
        raw_pods = list(csv.DictReader(fh))
    mapping: dict[tuple[int, int, int], str] = {}
    nodes: list[dict[str, Any]] = []
    caps: list[list[int]] = []
    for k, r in enumerate(raw_nodes):
        shape = (int(r["cpu_milli"]), int(r["memory_mib"]), int(r["gpu"]))
        if shape not in mapping:
            mapping[shape] = _closest_type(catalog, *shape)
        t = catalog.types[mapping[shape]]
        nodes.append(
            {
                "name": r["sn"],
                "instance_type": t.name,
                "capacity_type": "on-demand",
                "zone": ZONES[k % len(ZONES)],
            }
        )
        caps.append([t.alloc_cpu_m, t.alloc_memory_mib, t.gpus, t.max_pods])
    pods: list[dict[str, Any]] = []
    cursor = 0
    for r in raw_pods:
        c, m, g = int(r["cpu_milli"]), int(r["memory_mib"]), int(r["num_gpu"])
        for step in range(len(nodes)):
            j = (cursor + step) % len(nodes)
            cap = caps[j]
            if (
                cap[0] >= c
                and cap[1] >= m
                and cap[2] >= g
                and cap[3] >= 1
                and (g > 0) == (cap[2] > 0 or g > 0)
            ):
                cap[0] -= c
                cap[1] -= m
                cap[2] -= g
                cap[3] -= 1
                pods.append(
                    {
                        "namespace": "openb",
                        "name": r["name"],
                        "node": nodes[j]["name"],
                        "cpu_m": c,
                        "memory_mib": m,
                        "gpu": g,
                        "labels": {"qos": r.get("qos", "")},  # a QoS class, not a workload: no owner
                    }
                )
                cursor = j + 1
                break
    used = {p["node"] for p in pods}
    nodes = [n for n in nodes if n["name"] in used]
    return {"cluster": "alibaba-openb", "region": "us-east-1", "nodes": nodes, "pods": pods, "pdbs": []}
