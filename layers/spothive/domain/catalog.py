"""EC2 instance catalog: capacity, allocatable resources and prices (on-demand, spot per AZ, advisor).

Pure domain: parses text and rows; reading a file uses the standard library only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path

#: Fraction of memory the hypervisor keeps (Karpenter's VM memory overhead default).
VM_MEMORY_OVERHEAD = 0.075
#: Hard eviction threshold kept free by the kubelet (MiB).
EVICTION_THRESHOLD_MIB = 100
#: Max pods when nothing better is known (kubelet default).
DEFAULT_MAX_PODS = 110
#: Interruption-frequency bucket (Spot Advisor ``r``) → monthly interruption probability (bucket midpoint).
ADVISOR_BUCKET_PROBABILITY: Mapping[int, float] = {0: 0.025, 1: 0.075, 2: 0.125, 3: 0.175, 4: 0.25}


def eks_reserved_cpu_m(vcpu: int) -> int:
    """kube-reserved CPU in millicores: 6 % of core 1, 1 % of core 2, 0.5 % of cores 3-4, 0.25 % above."""
    reserved = 0.0
    for core in range(vcpu):
        reserved += 60 if core == 0 else 10 if core == 1 else 5 if core < 4 else 2.5
    return round(reserved)


def eks_allocatable(vcpu: int, memory_mib: int, max_pods: int) -> tuple[int, int]:
    """Allocatable (cpu_m, memory_mib) by the EKS formula: VM overhead, 11 MiB x pods + 255 MiB, eviction."""
    cpu = vcpu * 1000 - eks_reserved_cpu_m(vcpu)
    mem = int(memory_mib * (1 - VM_MEMORY_OVERHEAD)) - (11 * max_pods + 255) - EVICTION_THRESHOLD_MIB
    return cpu, max(mem, 0)


@dataclass(frozen=True, slots=True)
class InstanceType:
    """One EC2 instance type with its allocatable capacity and on-demand price (None when unpriced)."""

    name: str
    family: str
    arch: str
    vcpu: int
    memory_mib: int
    gpus: int
    max_pods: int
    alloc_cpu_m: int
    alloc_memory_mib: int
    ondemand_price: float | None
    accelerator: str = ""  # resource name of its ``gpus`` (nvidia.com/gpu, amd.com/gpu, aws.amazon.com/neuron)

    @classmethod
    def build(
        cls,
        name: str,
        vcpu: int,
        memory_mib: int,
        *,
        arch: str = "amd64",
        gpus: int = 0,
        max_pods: int | None = None,
        ondemand_price: float | None = None,
        alloc_cpu_m: int | None = None,
        alloc_memory_mib: int | None = None,
        accelerator: str | None = None,
    ) -> InstanceType:
        """Build a type, computing allocatable capacity with the EKS formula when not given."""
        pods = max_pods if max_pods is not None else DEFAULT_MAX_PODS
        cpu, mem = eks_allocatable(vcpu, memory_mib, pods)
        return cls(
            name=name,
            family=name.split(".", 1)[0],
            arch=arch,
            vcpu=vcpu,
            memory_mib=memory_mib,
            gpus=gpus,
            max_pods=pods,
            alloc_cpu_m=alloc_cpu_m if alloc_cpu_m is not None else cpu,
            alloc_memory_mib=alloc_memory_mib if alloc_memory_mib is not None else mem,
            ondemand_price=ondemand_price,
            accelerator=accelerator if accelerator is not None else ("nvidia.com/gpu" if gpus > 0 else ""),
        )


@dataclass(frozen=True, slots=True)
class AdvisorEntry:
    """Spot Advisor data for one type: interruption bucket 0..4 and savings % versus on-demand."""

    bucket: int
    savings_pct: int

    @property
    def interruption_probability(self) -> float:
        """Monthly interruption probability (bucket midpoint)."""
        return ADVISOR_BUCKET_PROBABILITY.get(self.bucket, 0.25)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Instance types plus prices: on-demand (on each type), spot per (type, zone), advisor per type."""

    types: Mapping[str, InstanceType]
    spot_prices: Mapping[tuple[str, str], float] = field(default_factory=dict)
    advisor: Mapping[str, AdvisorEntry] = field(default_factory=dict)
    zones: tuple[str, ...] = ()
    region: str = "us-east-1"
    #: True when a price is not a fresh one of ``region`` (a stale one or the snapshot's, with a buffer).
    prices_estimated: bool = False
    #: When the prices were fetched (None: the shipped snapshot's).
    prices_as_of: datetime | None = None

    def get(self, name: str) -> InstanceType | None:
        """The type called ``name`` or None."""
        return self.types.get(name)

    def spot_zones(self, name: str) -> list[tuple[str, float]]:
        """(zone, spot price) pairs known for a type, cheapest first."""
        found = [
            (zone, self.spot_prices[(name, zone)]) for zone in self.zones if (name, zone) in self.spot_prices
        ]
        return sorted(found, key=lambda item: (item[1], item[0]))

    def price(self, name: str, capacity_type: str, zone: str | None) -> float | None:
        """Hourly price of a node: spot in its zone, else cheapest spot, else on-demand; None if unknown."""
        itype = self.types.get(name)
        if itype is None:
            return None
        if capacity_type == "spot":
            if zone is not None and (name, zone) in self.spot_prices:
                return self.spot_prices[(name, zone)]
            zones = self.spot_zones(name)
            if zones:
                return zones[0][1]
            entry = self.advisor.get(name)
            if entry is not None and itype.ondemand_price is not None:
                return round(itype.ondemand_price * (1 - entry.savings_pct / 100), 6)
        return itype.ondemand_price

    def with_prices(
        self,
        spot_prices: Mapping[tuple[str, str], float] | None = None,
        advisor: Mapping[str, AdvisorEntry] | None = None,
    ) -> Catalog:
        """A copy with spot prices and/or advisor data replaced (zones follow the spot prices)."""
        spots = dict(spot_prices) if spot_prices is not None else dict(self.spot_prices)
        zones = tuple(sorted({zone for _, zone in spots} | set(self.zones if spot_prices is None else ())))
        return replace(self, spot_prices=spots, zones=zones,
                       advisor=dict(advisor) if advisor is not None else dict(self.advisor))


def _int(value: str | None, default: int = 0) -> int:
    return int(float(value)) if value not in (None, "") else default


def _opt_float(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def instance_type_from_row(row: Mapping[str, str]) -> InstanceType:
    """One catalog CSV row → InstanceType; ``alloc_*`` columns win over the EKS formula when present."""
    name = row["instance_type"]
    vcpu = _int(row.get("vcpu"))
    memory = _int(row.get("memory_mib"))
    pods = _int(row.get("alloc_pods"), DEFAULT_MAX_PODS)
    cpu_cores = _opt_float(row.get("alloc_cpu_cores"))
    mem_alloc = _opt_float(row.get("alloc_memory_mib"))
    gpus, accelerator = accelerator_of(row)
    return InstanceType.build(
        name,
        vcpu,
        memory,
        arch=row.get("arch") or "amd64",
        gpus=gpus,
        max_pods=pods,
        ondemand_price=_opt_float(row.get("ondemand_usd_per_hour_us_east_1")),
        alloc_cpu_m=round(cpu_cores * 1000) if cpu_cores is not None else None,
        alloc_memory_mib=int(mem_alloc) if mem_alloc is not None else None,
        accelerator=accelerator,
    )


def accelerator_of(row: Mapping[str, str]) -> tuple[int, str]:
    """(count, resource name) of a row's accelerators from the vendor columns: NVIDIA, AMD or AWS Neuron.

    ``alloc_nvidia_gpu``/``alloc_amd_gpu``/``alloc_neuron`` win; else ``gpu_count`` with ``gpu_manufacturer``
    (``amd`` → amd.com/gpu, otherwise NVIDIA), else ``accelerator_count`` of an ``aws`` accelerator (Neuron).
    """
    for column, name in (
        ("alloc_nvidia_gpu", "nvidia.com/gpu"),
        ("alloc_amd_gpu", "amd.com/gpu"),
        ("alloc_neuron", "aws.amazon.com/neuron"),
    ):
        if _int(row.get(column)) > 0:
            return _int(row.get(column)), name
    gpus = _int(row.get("gpu_count"))
    if gpus > 0:
        vendor = (row.get("gpu_manufacturer") or "").lower()
        return gpus, "amd.com/gpu" if vendor == "amd" else "nvidia.com/gpu"
    accel = _int(row.get("accelerator_count"))
    if accel > 0 and (row.get("accelerator_manufacturer") or "").lower() == "aws":
        return accel, "aws.amazon.com/neuron"
    return 0, ""


def parse_catalog_csv(text: str) -> Catalog:
    """Parse catalog CSV text (columns of ``ec2_instance_types_karpenter.csv``); linux rows only."""
    types: dict[str, InstanceType] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row.get("os", "linux") not in ("linux", ""):
            continue
        itype = instance_type_from_row(row)
        types[itype.name] = itype
    return Catalog(types=types)


def load_catalog_csv(path: str | Path) -> Catalog:
    """Read and parse a catalog CSV file."""
    return parse_catalog_csv(Path(path).read_text(encoding="utf-8"))


def parse_spot_price_csv(
    text: str, region_prefix: str = "use1-", zone_names: Mapping[str, str] | None = None
) -> dict[tuple[str, str], float]:
    """Latest spot price per (type, zone) from a DescribeSpotPriceHistory CSV dump.

    Columns: ``az_id,instance_type,product_description,spot_price_usd_per_hour,timestamp``. Only AZ IDs
    starting with ``region_prefix`` are kept; ``zone_names`` maps AZ IDs to zone names (identity otherwise).
    """
    latest: dict[tuple[str, str], tuple[str, float]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        az = row["az_id"]
        if not az.startswith(region_prefix) or "Linux" not in row.get("product_description", "Linux"):
            continue
        zone = zone_names.get(az, az) if zone_names else az
        key = (row["instance_type"], zone)
        stamp = row.get("timestamp", "")
        if key not in latest or stamp >= latest[key][0]:
            latest[key] = (stamp, float(row["spot_price_usd_per_hour"]))
    return {key: value for key, (_, value) in latest.items()}


def parse_spot_advisor_json(
    text: str, region: str = "us-east-1", os_name: str = "Linux"
) -> dict[str, AdvisorEntry]:
    """Advisor entries for one region and OS from the public Spot Advisor feed JSON."""
    data = json.loads(text)
    entries = data.get("spot_advisor", {}).get(region, {}).get(os_name, {})
    return {name: AdvisorEntry(int(v["r"]), int(v["s"])) for name, v in entries.items()}


def catalog_from_dict(data: Mapping[str, object]) -> Catalog:
    """Catalog from the built-in snapshot JSON structure (see ``spothive/data/catalog_snapshot.json``)."""
    types: dict[str, InstanceType] = {}
    spots: dict[tuple[str, str], float] = {}
    advisor: dict[str, AdvisorEntry] = {}
    raw_types = data.get("types", [])
    assert isinstance(raw_types, list)
    for item in raw_types:
        itype = InstanceType.build(
            str(item["name"]),
            int(item["vcpu"]),
            int(item["memory_mib"]),
            arch=str(item.get("arch", "amd64")),
            gpus=int(item.get("gpus", 0)),
            max_pods=int(item["max_pods"]) if "max_pods" in item else None,
            accelerator=str(item["accelerator"]) if item.get("accelerator") else None,
            ondemand_price=float(item["ondemand"]) if item.get("ondemand") is not None else None,
        )
        types[itype.name] = itype
        for zone, price in dict(item.get("spot", {})).items():
            spots[(itype.name, str(zone))] = float(price)
        if "advisor" in item:
            bucket, savings = item["advisor"]
            advisor[itype.name] = AdvisorEntry(int(bucket), int(savings))
    return Catalog(
        types=types,
        spot_prices=spots,
        advisor=advisor,
        zones=tuple(sorted({zone for _, zone in spots})),
        region=str(data.get("region", "us-east-1")),
    )


def load_builtin_catalog() -> Catalog:
    """The small built-in snapshot shipped as package data (used by the local stack and the CLI)."""
    text = resources.files("spothive.data").joinpath("catalog_snapshot.json").read_text(encoding="utf-8")
    return catalog_from_dict(json.loads(text))


def merge_types(catalog: Catalog, extra: Iterable[InstanceType]) -> Catalog:
    """A copy of ``catalog`` with more instance types."""
    types = dict(catalog.types)
    types.update({t.name: t for t in extra})
    return replace(catalog, types=types)
