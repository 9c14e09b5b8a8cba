"""The replay's safe executor on a tiny simulated cluster: replacement Ready before any eviction, a PDB's
429 waited out, and a drain called off (not forced) when the pods would have nowhere to go."""

from __future__ import annotations

from datetime import UTC, datetime

from spothive.domain.catalog import Catalog, InstanceType
from spothive_agent.clock import FakeClock
from tests.bench.replay.executors import DirectExecutor, GroupRun, SafeExecutor
from tests.bench.replay.sim import NAMESPACE, ReplayCluster

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def _cluster(cpu: str) -> tuple[FakeClock, ReplayCluster]:
    types = {n: InstanceType.build(n, v, v * 4096, ondemand_price=p)
             for n, v, p in (("m6i.large", 2, 0.096), ("m6i.xlarge", 4, 0.192))}
    catalog = Catalog(types=types, spot_prices={("m6i.large", "z1"): 0.04, ("m6i.xlarge", "z1"): 0.08},
                      zones=("z1",))
    clock = FakeClock(T0)
    cluster = ReplayCluster(clock, catalog, boot_delay_s=90, pod_start_s=60)
    old = cluster.launch("m6i.xlarge", "on-demand", "z1", by="seed", ready=True)
    assert old == "seed-00001"
    cluster.workloads.add_deployment(NAMESPACE, "web", 2, cpu=cpu, memory="256Mi")
    cluster.add_pdb(NAMESPACE, "web-pdb", {"app": "web"}, max_unavailable=1)
    clock.advance(60)
    cluster.tick()  # both pods Ready on the old node
    return clock, cluster


def _minute(clock: FakeClock, cluster: ReplayCluster, executor: SafeExecutor) -> None:
    clock.advance(60)
    cluster.tick()
    executor.step(cluster, clock.now())


def test_drain_waits_for_the_replacement_and_for_the_budget() -> None:
    # Given two Ready pods under a maxUnavailable=1 PDB on an On-Demand node, and a group replacing it by Spot
    clock, cluster = _cluster("500m")
    executor = SafeExecutor()
    executor.submit([GroupRun("g1", [{"instance_type": "m6i.xlarge", "capacity_type": "spot", "zone": "z1"}],
                              ["seed-00001"], {})])
    # When the executor starts: the replacement launches and nothing is evicted while it boots
    executor.step(cluster, clock.now())
    _minute(clock, cluster, executor)
    assert cluster.ledger.evictions == 0
    assert not cluster.node_obj("seed-00001")["spec"].get("unschedulable")
    # Then once it is Ready the old node is cordoned and one pod evicted; the PDB refuses the second (429)
    _minute(clock, cluster, executor)
    assert cluster.node_obj("seed-00001")["spec"]["unschedulable"] is True
    assert cluster.ledger.evictions == 1
    # and when the moved pod is Ready, the second goes and the old node is terminated
    _minute(clock, cluster, executor)
    summary = cluster.ledger.summary(clock.now())
    assert summary.evictions == 2
    assert cluster.node_obj("seed-00001") is None
    assert summary.nodes_removed == {"optimizer": 1, "interruption": 0}
    assert summary.pending_minutes["optimizer"] == 0.0 and summary.pdb_violations == 0
    assert (executor.done, executor.aborted, executor.idle) == (1, 0, True)


def test_a_drain_without_room_is_called_off_not_forced() -> None:
    # Given two 1200m pods and a group whose one new m6i.large holds only one of them
    clock, cluster = _cluster("1200m")
    executor = SafeExecutor()
    executor.submit([GroupRun("g1", [{"instance_type": "m6i.large", "capacity_type": "spot", "zone": "z1"}],
                              ["seed-00001"], {})])
    executor.step(cluster, clock.now())
    for _ in range(3):
        _minute(clock, cluster, executor)
    # Then one pod moved, the second had nowhere to go: the drain stopped and the old node is schedulable again
    summary = cluster.ledger.summary(clock.now())
    assert summary.evictions == 1 and summary.forced_deletions == 0
    assert cluster.node_obj("seed-00001") is not None
    assert not cluster.node_obj("seed-00001")["spec"].get("unschedulable")
    assert cluster.pending() == [] and summary.pending_minutes["optimizer"] == 0.0
    assert (executor.done, executor.aborted) == (0, 1)


def test_applying_a_plan_at_once_deletes_through_the_budget_and_counts_the_violation() -> None:
    # Given the same two pods under a maxUnavailable=1 PDB
    clock, cluster = _cluster("500m")
    pods = cluster.workload_pods_on("seed-00001")
    # When a plan is applied directly: new node launched, both pods deleted, old node terminated in one minute
    DirectExecutor().apply(cluster, [
        {"type": "add_node", "node": "n1", "instance_type": "m6i.xlarge", "capacity_type": "spot", "zone": "z1"},
        {"type": "drain_node", "node": "seed-00001", "pods": pods},
        {"type": "remove_node", "node": "seed-00001"},
    ])
    clock.advance(90)
    cluster.tick()  # the new node is Ready: both replacements bind
    summary = cluster.ledger.summary(clock.now())
    # Then the first deletion was within the budget, the second was not; both replacements waited for the boot
    assert (summary.forced_deletions, summary.pdb_violations, summary.evictions) == (2, 1, 0)
    assert summary.pending_minutes["optimizer"] == 3.0  # 2 pods x 90 s of boot
