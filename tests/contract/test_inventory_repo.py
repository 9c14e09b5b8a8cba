"""InventoryRepo and AgentTokens: the in-memory fake and DynamoDB store, list and find alike."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from spothive.adapters.dynamo.agent_tokens import DynamoAgentTokens
from spothive.adapters.dynamo.inventory_repo import DynamoInventoryRepo
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import NotFound
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance, ScanRecord
from tests.support.fakes import NOW, MemoryAgentTokens, MemoryInventoryRepo

ACCOUNT = "123456789012"
PROD = DiscoveredCluster(ACCOUNT, "us-east-1", "prod", "arn:aws:eks:us-east-1:123456789012:cluster/prod", "1.29",
                         "ACTIVE", ("ng-a", "ng-b"))
DEV = DiscoveredCluster(ACCOUNT, "eu-west-1", "dev", "arn:aws:eks:eu-west-1:123456789012:cluster/dev", "1.30", "ACTIVE")


def node(instance_id: str, cluster: str | None = "prod", state: str = "running") -> DiscoveredInstance:
    return DiscoveredInstance(ACCOUNT, "us-east-1", instance_id, "m5.large", "us-east-1a", "on-demand", state,
                              NOW - timedelta(days=1), cluster, {"team": "a"})


@pytest.fixture
def store(kind, ledger):  # type: ignore[no-untyped-def]
    if kind == "memory":
        inventory = MemoryInventoryRepo()
        return SimpleNamespace(inventory=inventory, tokens=MemoryAgentTokens(inventory, ledger))
    return SimpleNamespace(inventory=DynamoInventoryRepo(), tokens=DynamoAgentTokens(ledger))


def test_clusters_keep_first_seen_across_scans_and_are_listed_by_id(store):
    inv = store.inventory
    inv.upsert_clusters("org-1", [PROD, DEV], {PROD.cluster_id: 2}, NOW)
    inv.upsert_clusters("org-1", [PROD], {PROD.cluster_id: 3}, NOW + timedelta(hours=1))

    prod = inv.get_cluster("org-1", PROD.cluster_id)
    assert (prod.first_seen, prod.last_seen, prod.node_count, prod.nodegroups) == (
        NOW, NOW + timedelta(hours=1), 3, ("ng-a", "ng-b"))
    assert [c.cluster_id for c in inv.list_clusters("org-1")] == sorted([PROD.cluster_id, DEV.cluster_id])
    assert sorted(inv.cluster_ids("org-1", ACCOUNT)) == sorted([PROD.cluster_id, DEV.cluster_id])
    assert inv.list_clusters("org-2") == []

    inv.delete_clusters("org-1", [DEV.cluster_id])
    assert inv.get_cluster("org-1", DEV.cluster_id) is None


def test_instances_by_org_and_cluster_with_their_states(store):
    inv = store.inventory
    inv.upsert_instances("org-1", [node("i-2"), node("i-1"), node("i-3", cluster=None, state="stopped")], NOW)

    assert [s.instance.instance_id for s in inv.list_instances("org-1")] == ["i-1", "i-2", "i-3"]
    assert sorted(s.instance.instance_id for s in inv.list_instances("org-1", PROD.cluster_id)) == ["i-1", "i-2"]
    assert inv.instance_states("org-1", ACCOUNT)[node("i-3").instance_key] == ("m5.large", "on-demand", "stopped")
    assert inv.list_instances("org-1")[0].instance == node("i-1")

    inv.delete_instances("org-1", [node("i-1").instance_key])
    assert [s.instance.instance_id for s in inv.list_instances("org-1")] == ["i-2", "i-3"]


def test_the_last_scan_is_the_latest_started(store):
    inv = store.inventory
    for hours in (0, 2, 1):
        start = NOW + timedelta(hours=hours)
        inv.record_scan(ScanRecord("org-1", "acct-1", start, start + timedelta(seconds=30), "succeeded", 1, hours, 0, 0, 0))

    last = inv.last_scan("acct-1")
    assert (last.started_at, last.instances) == (NOW + timedelta(hours=2), 2)
    assert inv.last_scan("acct-none") is None


def test_a_token_hash_finds_its_cluster_survives_a_rescan_and_needs_the_cluster(store, ledger):
    store.inventory.upsert_clusters("org-1", [PROD], {}, NOW)
    issued = AuditEntry("user:u-1", "agent.token", "cluster", PROD.cluster_id)

    store.tokens.set_token_hash("org-1", PROD.cluster_id, "h" * 64, issued)
    store.inventory.upsert_clusters("org-1", [PROD], {}, NOW + timedelta(hours=1))
    with pytest.raises(NotFound) as caught:
        store.tokens.set_token_hash("org-1", "c-missing", "x" * 64, issued)

    assert store.tokens.cluster_for("h" * 64) == ("org-1", PROD.cluster_id)
    assert store.tokens.cluster_for("x" * 64) is None
    assert caught.value.field == "cluster_id"
    assert [r.action for r in ledger.records("org-1")] == ["agent.token"]
