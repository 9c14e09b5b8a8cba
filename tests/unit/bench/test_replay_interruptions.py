"""The replay's storm: it strikes the pool holding most Spot nodes, tells the hive mind first, and reclaims
most of that pool's nodes within minutes, two minutes after each notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spothive.domain.catalog import Catalog, InstanceType
from spothive_agent.clock import FakeClock
from tests.bench.replay.interruptions import Interruptions, Storm
from tests.bench.replay.sim import ReplayCluster

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_a_storm_hits_the_biggest_spot_pool_after_the_hive_hears_of_it() -> None:
    # Given five Spot nodes in one pool, one in another, and one On-Demand node
    itype = InstanceType.build("m6i.large", 2, 8192, ondemand_price=0.096)
    catalog = Catalog(types={"m6i.large": itype}, spot_prices={("m6i.large", "z1"): 0.04,
                                                               ("m6i.large", "z2"): 0.05}, zones=("z1", "z2"))
    clock = FakeClock(T0)
    cluster = ReplayCluster(clock, catalog)
    big = [cluster.launch("m6i.large", "spot", "z1", by="n", ready=True) for _ in range(5)]
    other = cluster.launch("m6i.large", "spot", "z2", by="n", ready=True)
    steady = cluster.launch("m6i.large", "on-demand", "z1", by="n", ready=True)
    heard: list[tuple[str, str, datetime, str]] = []
    storm = Storm(timedelta(minutes=1), hot_rate=0.0)
    model = Interruptions(T0, [storm], seed=3, feed=lambda z, t, at, m: heard.append((z, t, at, m)))
    # When 25 minutes pass
    for _ in range(25):
        model.step(cluster, clock.now())
        clock.advance(60)
    # Then the storm chose the five-node pool and the hive heard of other tenants' losses at its start
    assert storm.pool == ("z1", "m6i.large")
    assert heard[0][2] == T0 + timedelta(minutes=1) and heard[0][3].startswith("elsewhere")
    # and 80 % of that pool (4 nodes) got notices 10-20 minutes in (at the next minute) and were gone 2 minutes later
    gone = [n for n in big if cluster.node_obj(n) is None]
    assert len(gone) == 4 and model.storm_notices == 4
    lost = [life for life in cluster.ledger.nodes.values() if life.removed_by == "interruption"]
    assert all(timedelta(minutes=13) <= life.removed_at - T0 <= timedelta(minutes=24) for life in lost)
    # while the other pool and the On-Demand node were untouched
    assert cluster.node_obj(other) is not None and cluster.node_obj(steady) is not None
    assert {m for *_, m in heard if not m.startswith("elsewhere")} == set(gone)
