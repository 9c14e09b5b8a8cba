"""AgentService and ClusterService on the in-memory fakes: tokens, health, heartbeats, snapshots, views."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spothive.domain.agent_link import token_hash
from spothive.domain.errors import NotFound, Unauthorized
from spothive.domain.inventory import DiscoveredInstance, StoredCluster
from spothive.services.agents import AgentService
from spothive.services.clusters import ClusterService
from tests.support.fakes import NOW, Fakes
from tests.unit.services.helpers import principal

ALICE, MALLORY = principal("org-1"), principal("org-2", "u-9")


def cluster(cluster_id: str = "c-1", name: str = "prod", org_id: str = "org-1") -> StoredCluster:
    return StoredCluster(org_id, cluster_id, "acct-1", name, "us-east-1", "arn:c", "1.29", "ACTIVE", (), 0, NOW, NOW)


@pytest.fixture
def world() -> Fakes:
    w = Fakes()
    w.inventory.add_cluster(cluster())
    return w


@pytest.fixture
def agents(world: Fakes) -> AgentService:
    return AgentService(world.inventory, world.tokens, world.heartbeats, world.snapshots, world.ledger, world.clock,
                        "https://api.spothive.io")


def test_connect_issues_a_token_stored_only_as_its_hash_and_a_new_one_replaces_it(agents, world):
    first = agents.connect(ALICE, "c-1")
    second = agents.connect(ALICE, "c-1")

    assert world.inventory.token_hashes[("org-1", "c-1")] == token_hash(second.token)
    assert second.token not in str(world.ledger.chains)
    assert "https://api.spothive.io" in second.helm_command
    # the token reaches the cluster through a Secret, never a command line
    assert second.token not in second.helm_command and "api.existingSecret=" in second.helm_command
    assert agents.authenticate_agent(second.token) == ("org-1", "c-1")
    with pytest.raises(Unauthorized):
        agents.authenticate_agent(first.token)
    records = list(world.ledger.records("org-1"))
    assert [r.after["token_sha256_prefix"] for r in records] == [token_hash(first.token)[:8], token_hash(second.token)[:8]]


def test_another_orgs_cluster_is_not_found_for_connect_verify_and_snapshots(agents):
    with pytest.raises(NotFound):
        agents.connect(MALLORY, "c-1")
    with pytest.raises(NotFound):
        agents.verify(MALLORY, "c-1")
    with pytest.raises(NotFound):
        agents.save_snapshot("org-2", "c-1", {"nodes": []}, "agent:c-1")


def test_verify_is_red_until_a_heartbeat_then_green_for_sixty_seconds(agents, world):
    token = agents.connect(ALICE, "c-1").token
    assert agents.verify(ALICE, "c-1").status == "red"

    assert agents.authenticate_agent(token) == ("org-1", "c-1")
    agents.beat("org-1", "c-1")
    world.clock.advance(timedelta(seconds=59))
    health = agents.verify(ALICE, "c-1")
    world.clock.advance(timedelta(seconds=1))

    assert (health.status, health.last_seen, health.seconds_since) == ("green", NOW, 59.0)
    assert agents.verify(ALICE, "c-1").status == "red"
    with pytest.raises(Unauthorized):
        agents.authenticate_agent("")


def test_a_snapshot_is_kept_and_its_counts_recorded(agents, world):
    snapshot = {"nodes": [{"name": "n-1"}, {"name": "n-2"}], "pods": [{"name": "p"}], "pdbs": []}
    agents.save_snapshot("org-1", "c-1", snapshot, "agent:c-1")

    assert world.snapshots.latest("org-1", "c-1") == snapshot
    (record,) = world.ledger.records("org-1")
    assert (record.action, record.actor, record.after) == ("cluster.snapshot_saved", "agent:c-1",
                                                           {"nodes": 2, "pods": 1, "pdbs": 0})


def node(instance_id: str, itype: str, lifecycle: str = "on-demand", state: str = "running", name: str = "prod"):
    return DiscoveredInstance("acct-1", "us-east-1", instance_id, itype, "us-east-1a", lifecycle, state, NOW, name)


def test_cluster_views_count_running_nodes_by_lifecycle_and_type(world):
    world.inventory.add_cluster(cluster("c-0", "alpha"))
    world.inventory.add_cluster(cluster("c-x", "other", org_id="org-2"))
    prod_id = node("i-1", "m5.large").cluster_id
    world.inventory.clusters.pop(("org-1", "c-1"))
    world.inventory.add_cluster(cluster(prod_id, "prod"))
    world.inventory.upsert_instances("org-1", [
        node("i-1", "m5.large"), node("i-2", "m5.large", "spot"), node("i-3", "c5.large", "spot"),
        node("i-4", "c5.large", state="stopped")], NOW)
    service = ClusterService(world.inventory)

    views = service.list(ALICE)
    prod = service.get(ALICE, prod_id)

    assert [v.cluster.name for v in views] == ["alpha", "prod"]
    assert (prod.nodes, prod.spot_nodes, prod.on_demand_nodes) == (3, 2, 1)
    assert prod.instance_types == {"c5.large": 1, "m5.large": 2}
    assert views[0].nodes == 0
    with pytest.raises(NotFound):
        service.get(ALICE, "c-x")


class _DownBeats:
    def beat(self, org_id, cluster_id, at):  # type: ignore[no-untyped-def]
        raise ConnectionError("cache down")

    def last_seen(self, org_id, cluster_id):  # type: ignore[no-untyped-def]
        raise ConnectionError("cache down")


def test_the_cluster_list_carries_each_agents_light_and_unknown_with_the_cache_down(world):
    world.inventory.add_cluster(cluster("c-2", "staging"))
    world.heartbeats.beat("org-1", "c-1", NOW - timedelta(seconds=12))
    world.heartbeats.beat("org-2", "c-2", NOW)  # another org's beat for the same id lights nothing here
    views = {v.cluster.cluster_id: v.agent for v in
             ClusterService(world.inventory, world.heartbeats, world.clock).list(ALICE)}
    assert views["c-1"] is not None and (views["c-1"].status, views["c-1"].seconds_since) == ("green", 12.0)
    assert views["c-2"] is not None and (views["c-2"].status, views["c-2"].last_seen) == ("red", None)
    down = ClusterService(world.inventory, _DownBeats(), world.clock).get(ALICE, "c-1")  # type: ignore[arg-type]
    assert down.agent is not None and down.agent.status == "unknown"
    assert ClusterService(world.inventory).get(ALICE, "c-1").agent is None
