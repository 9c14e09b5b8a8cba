"""The replay's ledger: dollars from node lifetimes and pending minutes by cause, on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.catalog import Catalog, InstanceType
from spothive_agent.clock import FakeClock
from tests.bench.replay.accounting import Ledger
from tests.bench.replay.sim import NAMESPACE, ReplayCluster

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def at(h: int, m: int = 0) -> datetime:
    return T0 + timedelta(hours=h, minutes=m)


def test_dollars_and_pending_minutes_follow_the_journal() -> None:
    # Given three nodes and five pod incarnations journalled by hand over four hours
    ledger = Ledger(T0)
    ledger.node_launched("a", "m6i.xlarge", "on-demand", "z1", 1.00, at(0), "seed")
    ledger.node_launched("b", "m6i.xlarge", "spot", "z1", 0.30, at(1), "spothive")
    ledger.node_launched("c", "m6i.large", "on-demand", "z2", 0.50, at(3), "prov")
    ledger.node_removed("b", at(2, 30), "interruption")
    ledger.pod_created("ns/p1", at(0), "load", bound=True)
    ledger.pod_created("ns/p2", at(1), "load")
    ledger.pod_bound("ns/p2", at(1, 10))
    ledger.pod_created("ns/p3", at(2, 30), "interruption")
    ledger.pod_bound("ns/p3", at(3, 2))
    ledger.pod_created("ns/p4", at(2), "optimizer")
    ledger.pod_ended("ns/p4", at(2, 7))
    ledger.pod_created("ns/p5", at(3, 50), "optimizer")
    ledger.pod_created("ns/p2", at(3), "load")  # the key comes back while the first p2 lives: it ends
    ledger.evicted()
    ledger.evicted()
    ledger.forced(violated_pdb=False)
    ledger.forced(violated_pdb=True)

    # When it is summarised at 04:00
    s = ledger.summary(at(4))

    # Then a: 4 h x $1.00, b: 1.5 h x $0.30, c: 1 h x $0.50
    assert s.dollars == pytest.approx(4.95)
    # p2 pending 10 min, its second life 60 min (to the end); p3 32 min; p4 7 min until deleted; p5 10 min
    assert s.pending_minutes == {"load": 70.0, "optimizer": 17.0, "interruption": 32.0}
    assert (s.evictions, s.forced_deletions, s.pdb_violations) == (2, 2, 1)
    assert s.nodes_launched == 2 and s.nodes_removed == {"optimizer": 0, "interruption": 1}
    assert s.churn == 2 and s.hours == 4.0


def test_a_summary_before_the_end_counts_only_what_happened_by_then() -> None:
    # Given a node removed at 02:00 and a pod bound at 01:30
    ledger = Ledger(T0)
    ledger.node_launched("a", "m6i.xlarge", "on-demand", "z1", 2.00, at(0), "prov")
    ledger.node_removed("a", at(2), "optimizer")
    ledger.pod_created("ns/p", at(1), "load")
    ledger.pod_bound("ns/p", at(1, 30))
    # When summarised at 01:15
    s = ledger.summary(at(1, 15))
    # Then the node cost 1.25 h and the pod waited 15 min so far; the removal lies ahead
    assert s.dollars == pytest.approx(2.5)
    assert s.pending_minutes["load"] == 15.0
    assert s.nodes_removed == {"optimizer": 0, "interruption": 0}


def test_unknown_cause_and_double_launch_are_refused() -> None:
    ledger = Ledger(T0)
    ledger.node_launched("a", "x", "spot", "z", 1.0, T0, "seed")
    with pytest.raises(ValueError, match="launched twice"):
        ledger.node_launched("a", "x", "spot", "z", 1.0, T0, "seed")
    with pytest.raises(ValueError, match="unknown cause"):
        ledger.pod_created("ns/p", T0, "weather")


def _catalog() -> Catalog:
    small = InstanceType.build("m6i.large", 2, 8192, ondemand_price=0.096)
    return Catalog(types={"m6i.large": small}, spot_prices={("m6i.large", "z1"): 0.04}, zones=("z1",))


def test_the_simulator_journals_boot_wait_eviction_and_reclaim() -> None:
    # Given an empty cluster and a Deployment of two 500m pods (Pending: no node yet)
    clock = FakeClock(T0)
    cluster = ReplayCluster(clock, _catalog(), boot_delay_s=90, pod_start_s=0)
    cluster.workloads.add_deployment(NAMESPACE, "web", 2, cpu="500m", memory="512Mi")
    # When a Spot node is launched and boots for 90 s
    node = cluster.launch("m6i.large", "spot", "z1", by="prov")
    clock.advance(90)
    cluster.tick()
    assert cluster.pending() == []
    # and after 30 more minutes the optimizer evicts one pod, then 30 minutes later the node is reclaimed
    clock.advance(30 * 60)
    assert cluster.evict_journalled(cluster.workload_pods_on(node)[0]).outcome == "evicted"
    clock.advance(30 * 60)
    cluster.terminate(node, "interruption")
    clock.advance(10 * 60)
    s = cluster.ledger.summary(clock.now())
    # Then the node cost 61.5 min of Spot, each first pod waited 1.5 min (load), the evicted pod's
    # replacement none (it fit at once), and both pods lost with the node wait the last 10 minutes
    assert s.dollars == pytest.approx(0.04 * 61.5 / 60)
    assert s.pending_minutes == {"load": 3.0, "optimizer": 0.0, "interruption": 20.0}
    assert s.evictions == 1 and s.nodes_removed == {"optimizer": 0, "interruption": 1}
