"""Spot interruptions for the replay: a background rate from each pool's Spot Advisor bucket, and storms.

Background: a Spot node is reclaimed with the monthly frequency of its type's Advisor bucket (the bucket
midpoint, e.g. 12.5 %/month for "10-15 %"), spread evenly over the month's minutes. A storm picks the Spot
pool holding most of the cluster's Spot nodes; other tenants lose instances in it first (the hive mind
hears of them at the storm's start, and of another every ``elsewhere_every`` minutes while it lasts), then
within ``spread`` after ``hit_after`` ``share`` of the cluster's nodes in the pool get their notice, and for
``hot`` any node (re)launched there is reclaimed at ``hot_rate`` per minute. Every notice taints the node as the Node Termination Handler does; two minutes
later the instance is gone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from spothive.domain.catalog import ADVISOR_BUCKET_PROBABILITY
from spothive.domain.pricing import HOURS_PER_MONTH, UNKNOWN_POOL_PROBABILITY

from .sim import ReplayCluster

NOTICE = timedelta(minutes=2)
#: ``feed(zone, instance_type, observed_at, member)``: an interruption the hive mind hears of.
Feed = Callable[[str, str, datetime, str], None]


@dataclass(slots=True)
class Storm:
    """One interruption storm (times from the replay's start)."""

    at: timedelta
    share: float = 0.8
    hit_after: timedelta = timedelta(minutes=10)
    spread: timedelta = timedelta(minutes=10)
    hot: timedelta = timedelta(hours=4)
    hot_rate: float = 0.05
    elsewhere_every: int = 10  # minutes between other tenants' losses reported during the storm
    pool: tuple[str, str] | None = None  # (zone, type), chosen when the storm starts
    hits: list[tuple[datetime, str]] = field(default_factory=list)


@dataclass(slots=True)
class Interruptions:
    """Draws and delivers interruptions, one call of ``step`` per simulated minute."""

    start: datetime
    storms: list[Storm]
    seed: int = 1
    feed: Feed | None = None
    notices: int = 0
    storm_notices: int = 0
    _rng: random.Random = field(init=False)
    _doomed: dict[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def rate_per_minute(self, cluster: ReplayCluster, instance_type: str) -> float:
        """Background reclaim probability of one node per minute, from the Advisor bucket."""
        entry = cluster.catalog.advisor.get(instance_type)
        monthly = ADVISOR_BUCKET_PROBABILITY.get(entry.bucket, 0.25) if entry else UNKNOWN_POOL_PROBABILITY
        return monthly / (HOURS_PER_MONTH * 60)

    def step(self, cluster: ReplayCluster, now: datetime) -> None:
        """Reclaim noticed nodes whose two minutes are up, start storms, draw new notices."""
        for name, at in list(self._doomed.items()):
            if at <= now:
                self._doomed.pop(name)
                cluster.terminate(name, "interruption")
        spot = {}
        for name in cluster.node_names():
            node = cluster.node_obj(name)
            labels = node["metadata"]["labels"] if node else {}
            if labels.get("karpenter.sh/capacity-type") == "spot" and name not in self._doomed:
                spot[name] = (labels["topology.kubernetes.io/zone"], labels["node.kubernetes.io/instance-type"])
        for storm in self.storms:
            self._storm(storm, cluster, spot, now)
        for name, (_zone, itype) in spot.items():
            if name not in self._doomed and self._rng.random() < self.rate_per_minute(cluster, itype):
                self._notice(cluster, name, now)

    def _storm(self, storm: Storm, cluster: ReplayCluster, spot: dict[str, tuple[str, str]], now: datetime) -> None:
        begin = self.start + storm.at
        if storm.pool is None and now >= begin:
            pools: dict[tuple[str, str], int] = {}
            for pool in spot.values():
                pools[pool] = pools.get(pool, 0) + 1
            if not pools:
                return  # no Spot capacity yet: the storm waits for some
            storm.pool = max(sorted(pools), key=lambda p: pools[p])
            if self.feed is not None:  # other tenants' instances in the pool go first
                for k in range(3):
                    self.feed(storm.pool[0], storm.pool[1], now, f"elsewhere-{storm.at}-{k}")
            members = sorted(n for n, p in spot.items() if p == storm.pool)
            chosen = self._rng.sample(members, max(1, round(storm.share * len(members))))
            for name in chosen:
                delay = storm.hit_after + timedelta(seconds=self._rng.uniform(0, storm.spread.total_seconds()))
                storm.hits.append((now + delay, name))
            return
        if storm.pool is None:
            return
        for when, name in list(storm.hits):
            if when <= now:
                storm.hits.remove((when, name))
                if name in spot and name not in self._doomed:
                    self._notice(cluster, name, now, storm=True)
        if now < begin + storm.hot:
            elapsed = int((now - begin).total_seconds() // 60)
            if self.feed is not None and elapsed % storm.elsewhere_every == 0:  # other tenants keep losing nodes
                self.feed(storm.pool[0], storm.pool[1], now, f"elsewhere-{storm.at}-{elapsed}")
            for name, pool in spot.items():
                if pool == storm.pool and name not in self._doomed and self._rng.random() < storm.hot_rate:
                    self._notice(cluster, name, now, storm=True)

    def _notice(self, cluster: ReplayCluster, name: str, now: datetime, storm: bool = False) -> None:
        node = cluster.node_obj(name)
        if node is None:
            return
        labels = node["metadata"]["labels"]
        cluster.signal_spot_interruption(name)
        self._doomed[name] = now + NOTICE
        self.notices += 1
        self.storm_notices += int(storm)
        if self.feed is not None:
            self.feed(labels["topology.kubernetes.io/zone"], labels["node.kubernetes.io/instance-type"], now, name)
