"""Catalog: allocatable formula, loaders and price fallbacks."""

from __future__ import annotations

from spothive.domain.catalog import (
    eks_allocatable,
    load_builtin_catalog,
    load_catalog_csv,
    parse_catalog_csv,
    parse_spot_advisor_json,
    parse_spot_price_csv,
)
from tests.unit.engine.helpers import tiny_catalog


def test_eks_formula_matches_published_allocatable_of_m5_large() -> None:
    # Given an m5.large (2 vCPU, 8 GiB, 29 pods) / When computing allocatable / Then it matches Karpenter's
    assert eks_allocatable(2, 8192, 29) == (1930, 6903)


def test_builtin_snapshot_has_common_types_with_prices() -> None:
    catalog = load_builtin_catalog()
    m5 = catalog.types["m5.large"]
    assert (m5.alloc_cpu_m, m5.alloc_memory_mib, m5.ondemand_price) == (1930, 6903, 0.096)
    assert 30 <= len(catalog.types) <= 60
    assert catalog.types["g4dn.xlarge"].gpus == 1
    assert catalog.types["c7g.large"].arch == "arm64"


def test_csv_alloc_columns_win_over_formula() -> None:
    text = (
        "instance_type,arch,os,vcpu,memory_mib,gpu_count,alloc_cpu_cores,alloc_memory_mib,alloc_pods,"
        "ondemand_usd_per_hour_us_east_1\n"
        "x9.large,amd64,linux,2,8192,,1.5,5000.0,20,0.5\n"
        "x9.xlarge,amd64,linux,4,16384,,,,,\n"
    )
    catalog = parse_catalog_csv(text)
    assert (catalog.types["x9.large"].alloc_cpu_m, catalog.types["x9.large"].alloc_memory_mib) == (1500, 5000)
    assert catalog.types["x9.xlarge"].max_pods == 110
    assert catalog.types["x9.xlarge"].ondemand_price is None


def test_spot_price_falls_back_to_cheapest_zone_then_on_demand() -> None:
    catalog = tiny_catalog()
    assert catalog.price("m5.large", "spot", "z-b") == 0.05
    assert catalog.price("m5.large", "spot", "z-x") == 0.04
    assert catalog.price("m7g.xlarge", "spot", "z-a") == 0.16
    assert catalog.price("m5.large", "on-demand", "z-a") == 0.10


def test_spot_history_keeps_latest_price_per_pool() -> None:
    text = (
        "az_id,instance_type,product_description,spot_price_usd_per_hour,timestamp\n"
        "use1-az1,m5.large,Linux/UNIX,0.03,2022-05-31T10:00:00+00:00\n"
        "use1-az1,m5.large,Linux/UNIX,0.04,2022-05-31T11:00:00+00:00\n"
        "euw3-az1,m5.large,Linux/UNIX,0.09,2022-05-31T11:00:00+00:00\n"
    )
    assert parse_spot_price_csv(text, zone_names={"use1-az1": "us-east-1a"}) == {
        ("m5.large", "us-east-1a"): 0.04
    }


def test_advisor_feed_parses_bucket_and_savings() -> None:
    doc = '{"spot_advisor": {"us-east-1": {"Linux": {"c5.large": {"r": 2, "s": 61}}}}}'
    entry = parse_spot_advisor_json(doc)["c5.large"]
    assert (entry.bucket, entry.savings_pct, entry.interruption_probability) == (2, 61, 0.125)


def test_shared_catalog_csv_loads(shared_data) -> None:
    catalog = load_catalog_csv(shared_data / "ec2_instance_types_karpenter.csv")
    assert catalog.types["m5.large"].alloc_memory_mib == 6903
    assert catalog.types["m5.large"].ondemand_price == 0.096
    assert len(catalog.types) > 1000


def test_describe_instance_types_gives_the_accelerator_by_vendor() -> None:
    from spothive.adapters.aws.price_feed import instance_type_from_api

    def item(name: str, **extra: object) -> dict:
        return {"InstanceType": name, "VCpuInfo": {"DefaultVCpus": 4}, "MemoryInfo": {"SizeInMiB": 16384}, **extra}

    amd = instance_type_from_api(item("g4ad.xlarge", GpuInfo={"Gpus": [{"Count": 1, "Manufacturer": "AMD"}]}))
    nvidia = instance_type_from_api(item("g4dn.xlarge", GpuInfo={"Gpus": [{"Count": 1, "Manufacturer": "NVIDIA"}]}))
    neuron = instance_type_from_api(item("inf1.xlarge", NeuronInfo={"NeuronDevices": [{"Count": 1}]}))
    assert (amd.gpus, amd.accelerator) == (1, "amd.com/gpu")
    assert (nvidia.gpus, nvidia.accelerator) == (1, "nvidia.com/gpu")
    assert (neuron.gpus, neuron.accelerator) == (1, "aws.amazon.com/neuron")
