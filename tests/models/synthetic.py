"""Small synthetic files in the public data formats, so core logic is tested without the shared data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

REGIONS = ("us-east-1", "eu-west-1", "ap-south-1")
AZ_IDS = {"us-east-1": ("use1-az1", "use1-az2"), "eu-west-1": ("euw1-az1",), "ap-south-1": ("aps1-az1",)}
FAMILIES = ("c5", "m5", "r5", "c6g", "m6i", "r6i", "t3", "i3")
SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge")
GRADE = {0: 3.0, 1: 2.5, 2: 2.0, 3: 1.5, 4: 1.0}


def early_bucket(region_i: int, family_i: int, size_i: int) -> int:
    """Deterministic earlier bucket: grows with size and family index."""
    return min(4, (size_i + family_i + region_i) // 3)


def later_bucket(region_i: int, family_i: int, size_i: int, rng: np.random.Generator) -> int:
    """Later bucket: the earlier one, pushed up for big sizes, with some noise."""
    bucket = early_bucket(region_i, family_i, size_i) + (1 if size_i >= 3 else 0)
    if rng.random() < 0.2:
        bucket += int(rng.integers(-1, 2))
    return int(min(4, max(0, bucket)))


def pools() -> list[tuple[int, int, int, str, str]]:
    """(region index, family index, size index, region, instance type) for every synthetic pool."""
    return [
        (ri, fi, si, region, f"{family}.{size}")
        for ri, region in enumerate(REGIONS)
        for fi, family in enumerate(FAMILIES)
        for si, size in enumerate(SIZES)
    ]


def write_advisor(path: Path, later: bool = False, seed: int = 1) -> Path:
    """A Spot Advisor feed; ``later`` uses the later buckets."""
    rng = np.random.default_rng(seed)
    feed: dict = {"spot_advisor": {}}
    for ri, fi, si, region, itype in pools():
        bucket = later_bucket(ri, fi, si, rng) if later else early_bucket(ri, fi, si)
        feed["spot_advisor"].setdefault(region, {"Linux": {}, "Windows": {}})["Linux"][itype] = {
            "r": bucket,
            "s": 60 + 5 * si,
        }
    feed["spot_advisor"]["us-east-1"]["Windows"]["c5.large"] = {"r": 4, "s": 10}
    path.write_text(json.dumps(feed))
    return path


def write_spotlake(path: Path, seed: int = 1, time: str = "2021-06-01 00:00:00+00:00") -> Path:
    """A SpotLake snapshot with the later buckets as IF grades, one row per AZ."""
    rng = np.random.default_rng(seed)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SpotPrice", "Savings", "SPS", "AZ", "Region", "InstanceType", "IF", "time"])
        for ri, fi, si, region, itype in pools():
            bucket = later_bucket(ri, fi, si, rng)
            for az in AZ_IDS[region]:
                writer.writerow(
                    [0.05 * (si + 1), 70, 3 - (bucket >= 3), az, region, itype, GRADE[bucket], time]
                )
    return path


def write_prices(path: Path) -> Path:
    """Two spot prices per (AZ, type)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["az_id", "instance_type", "product_description", "spot_price_usd_per_hour", "timestamp"]
        )
        for _, _, si, region, itype in pools():
            for az in AZ_IDS[region]:
                writer.writerow([az, itype, "Linux/UNIX", 0.04 * (si + 1), "2021-05-01T00:00:00+00:00"])
                writer.writerow([az, itype, "Linux/UNIX", 0.05 * (si + 1), "2021-05-01T06:00:00+00:00"])
    return path


def write_catalog(path: Path) -> Path:
    """A catalog with the columns the loader reads."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "instance_type",
                "family",
                "arch",
                "vcpu",
                "memory_mib",
                "gpu_count",
                "network_bandwidth_mbps",
                "ondemand_usd_per_hour_us_east_1",
            ]
        )
        for family in FAMILIES:
            for si, size in enumerate(SIZES):
                vcpu = 2 ** (si + 1)
                arch = "arm64" if family == "c6g" else "amd64"
                writer.writerow([f"{family}.{size}", family, arch, vcpu, vcpu * 4096, "", 10000, 0.1 * vcpu])
    return path


def write_all(directory: Path) -> dict[str, Path]:
    """Every synthetic file, dated so that the advisor feed precedes the SpotLake snapshot."""
    return {
        "advisor": write_advisor(directory / "advisor_2021-01.json"),
        "advisor_later": write_advisor(directory / "advisor_2021-09.json", later=True, seed=2),
        "spotlake": write_spotlake(directory / "spotlake_2021-06-01.csv"),
        "prices": write_prices(directory / "prices_2021-05-01.csv"),
        "catalog": write_catalog(directory / "catalog.csv"),
    }
