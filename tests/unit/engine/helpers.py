"""Small hand-made snapshots for the engine tests."""

from __future__ import annotations

from typing import Any

from spothive.domain.catalog import Catalog, InstanceType


def tiny_catalog() -> Catalog:
    """Three types with round numbers; spot prices in two zones."""
    types = {
        "m5.large": InstanceType.build("m5.large", 2, 8192, max_pods=29, ondemand_price=0.10),
        "m5.xlarge": InstanceType.build("m5.xlarge", 4, 16384, max_pods=58, ondemand_price=0.20),
        "m5.2xlarge": InstanceType.build("m5.2xlarge", 8, 32768, max_pods=58, ondemand_price=0.40),
        "m7g.xlarge": InstanceType.build(
            "m7g.xlarge", 4, 16384, arch="arm64", max_pods=58, ondemand_price=0.16
        ),
    }
    spots = {
        ("m5.large", "z-a"): 0.04,
        ("m5.large", "z-b"): 0.05,
        ("m5.xlarge", "z-a"): 0.08,
        ("m5.xlarge", "z-b"): 0.09,
        ("m5.2xlarge", "z-a"): 0.16,
        ("m5.2xlarge", "z-b"): 0.17,
    }
    return Catalog(types=types, spot_prices=spots, zones=("z-a", "z-b"))


def node(
    name: str, itype: str = "m5.xlarge", capacity: str = "on-demand", zone: str = "z-a", **extra: Any
) -> dict:
    return {"name": name, "instance_type": itype, "capacity_type": capacity, "zone": zone, **extra}


def pod(name: str, on: str | None, cpu: int = 500, mem: int = 1024, ns: str = "app", **extra: Any) -> dict:
    return {"namespace": ns, "name": name, "node": on, "cpu_m": cpu, "memory_mib": mem, **extra}
