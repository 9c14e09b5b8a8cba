"""Cost by namespace: a node's price shared by requests, CPU and memory priced apart, idle on its own line."""

from __future__ import annotations

import pytest

from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.cost_allocation import allocate, cpu_share_of_price

M5 = InstanceType.build("m5.xlarge", 4, 16384, ondemand_price=0.192)  # allocatable 3920 m, 13590 MiB
CATALOG = Catalog({"m5.xlarge": M5}, spot_prices={("m5.xlarge", "us-east-1a"): 0.08}, zones=("us-east-1a",))


def test_cpu_and_memory_are_priced_in_the_ratio_aws_sells_them_apart() -> None:
    # 4 vCPU x $0.04048 = $0.16192; 16 GiB x $0.004445 = $0.07112; CPU pays 0.16192 / 0.23304
    assert cpu_share_of_price(4, 16384) == pytest.approx(0.694816, abs=1e-6)


def test_each_namespace_pays_its_requests_share_and_what_nobody_requests_is_idle() -> None:
    snapshot = {
        "nodes": [{"name": "n1", "instance_type": "m5.xlarge", "capacity_type": "on-demand", "zone": "us-east-1a"},
                  {"name": "n2", "instance_type": "m5.xlarge", "capacity_type": "spot", "zone": "us-east-1a"},
                  {"name": "n3", "instance_type": "zz.huge", "capacity_type": "on-demand", "zone": "us-east-1a"}],
        "pods": [
            {"namespace": "web", "name": "a", "node": "n1", "cpu_m": 1960, "memory_mib": 0},  # half the CPU
            {"namespace": "data", "name": "b", "node": "n1", "cpu_m": 0, "memory_mib": 6795},  # half the memory
            {"namespace": "web", "name": "c", "node": "n2", "cpu_m": 3920, "memory_mib": 13590},  # all of n2
            {"namespace": "web", "name": "pending", "node": None, "cpu_m": 500, "memory_mib": 512},
        ],
    }
    result = allocate(snapshot, CATALOG)
    # n1 $0.192: CPU part 0.133404, memory part 0.058596; web pays half the CPU part, data half the memory part
    # n2 (Spot $0.08) is wholly web's
    by_ns = {n.namespace: n for n in result.namespaces}
    assert [n.namespace for n in result.namespaces] == ["web", "data"]
    assert by_ns["web"].hourly == pytest.approx(0.066702 + 0.08, abs=1e-6)
    assert by_ns["data"].hourly == pytest.approx(0.029298, abs=1e-6)
    assert (by_ns["web"].pods, by_ns["web"].cpu_m, by_ns["web"].memory_mib) == (2, 5880, 13590)  # pending not charged
    assert result.idle_hourly == pytest.approx(0.096, abs=1e-6)
    assert result.total_hourly == pytest.approx(0.272, abs=1e-9)
    assert result.unpriced_nodes == 1
    assert by_ns["data"].monthly == 21.39  # 0.029298 x 730
    assert sum(n.hourly for n in result.namespaces) + result.idle_hourly == pytest.approx(result.total_hourly)


def test_a_request_larger_than_the_node_pays_for_the_node_not_more() -> None:
    snapshot = {"nodes": [{"name": "n1", "instance_type": "m5.xlarge", "capacity_type": "on-demand"}],
                "pods": [{"namespace": "big", "name": "x", "node": "n1", "cpu_m": 99999, "memory_mib": 999999}]}
    result = allocate(snapshot, CATALOG)
    assert result.namespaces[0].hourly == pytest.approx(0.192) and result.idle_hourly == 0.0
