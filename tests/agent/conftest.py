"""Shared fixtures: a simulated cluster on a fake clock, a fake hub, and agents wired to both."""

from __future__ import annotations

import pytest

from spothive_agent.agent import Agent, LoopConfig
from spothive_agent.clock import FakeClock
from spothive_agent.hub import HubClient, TokenSource
from spothive_agent.simulator import NodeSpec, SimCluster
from tests.agent.fakehub import FakeHub

M5_LARGE = {"cpu": "1930m", "memory": "7220Mi", "pods": "29"}


class SimClock(FakeClock):
    """A fake clock whose sleeps let the simulated cluster act (nodes boot, pods start, pods get scheduled)."""

    def __init__(self) -> None:
        super().__init__()
        self.cluster: SimCluster | None = None

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        if self.cluster is not None:
            self.cluster.tick()


def node(name: str, zone: str = "us-east-1a", instance_type: str = "m5.large", **kw) -> NodeSpec:
    return NodeSpec(name=name, instance_type=instance_type, zone=zone, allocatable=kw.pop("allocatable", M5_LARGE), **kw)


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def cluster(clock: SimClock) -> SimCluster:
    sim = SimCluster(clock=clock, boot_delay_s=60)
    clock.cluster = sim
    return sim


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


def make_agent(cluster: SimCluster, hub: FakeHub, clock: FakeClock, identity: str = "agent-0", **config) -> Agent:
    client = HubClient("https://hub.test", TokenSource(hub.token), hub.cluster_id, transport=hub.transport())
    return Agent(LoopConfig(cluster_id=hub.cluster_id, identity=identity, **config), cluster, client, clock)


@pytest.fixture
def agent(cluster: SimCluster, hub: FakeHub, clock: SimClock) -> Agent:
    return make_agent(cluster, hub, clock)
