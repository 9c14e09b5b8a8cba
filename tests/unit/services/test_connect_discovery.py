"""ConnectService and DiscoveryService on the in-memory fakes: link, verify, scan, diff and failures."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from spothive.domain.errors import Conflict, DependencyFailed, InvalidInput, NotFound
from spothive.domain.inventory import DiscoveredCluster, DiscoveredInstance
from spothive.domain.tenancy import Account, AccountStatus
from spothive.services.connect import ConnectService, LinkConfig
from spothive.services.discovery import DiscoveryService
from tests.support.fakes import NOW, Fakes, ScriptedAccount
from tests.unit.services.helpers import principal

ROLE = "arn:aws:iam::123456789012:role/SpotHiveAccess"
CONFIG = LinkConfig("999999999999", "https://example.com/customer-role.json", "SpotHiveAccess", "us-east-1", "us-east-1")
ALICE = principal()


@pytest.fixture
def world() -> Fakes:
    w = Fakes()
    w.tenancy.save_account(Account("org-1", "acct-1", AccountStatus.PENDING, NOW))
    return w


@pytest.fixture
def connect(world: Fakes) -> ConnectService:
    return ConnectService(world.tenancy, world.cloud, world.trigger, world.clock, CONFIG)


def test_link_puts_a_fresh_external_id_on_the_placeholder_and_into_the_quick_create_url(connect, world):
    first, second = connect.link(ALICE), connect.link(ALICE)

    assert first.account_id == second.account_id == "acct-1"
    assert first.external_id != second.external_id
    assert world.tenancy.get_account("org-1", "acct-1").external_id == second.external_id
    query = parse_qs(urlparse(second.cloudformation_url).fragment.split("?", 1)[1])
    assert query["param_ExternalId"] == [second.external_id]
    assert query["param_HubAccountId"] == ["999999999999"]
    assert [r.action for r in world.ledger.records("org-1")] == ["account.link", "account.link"]


def test_verify_before_link_is_a_conflict_and_an_unknown_account_not_found(connect):
    with pytest.raises(Conflict, match="link first"):
        connect.verify(ALICE, "acct-1", ROLE)
    with pytest.raises(NotFound) as missing:
        connect.verify(ALICE, "acct-9", ROLE)
    with pytest.raises(InvalidInput) as bad:
        connect.verify(ALICE, "acct-1", "not-an-arn")
    assert (missing.value.field, bad.value.field) == ("account_id", "role_arn")


def test_verify_assumes_with_the_external_id_then_records_scanning_then_starts_discovery(connect, world):
    link = connect.link(ALICE)
    world.cloud.add_role(ROLE, link.external_id)

    account = connect.verify(ALICE, "acct-1", ROLE)

    assert (account.status, account.aws_account_id, account.role_arn) == (AccountStatus.SCANNING, "123456789012", ROLE)
    assert world.cloud.assumed == [(ROLE, link.external_id, "spothive-verify-acct-1")]
    assert world.trigger.scans == [("org-1", "acct-1")]
    verify = list(world.ledger.records("org-1"))[-1]
    assert (verify.action, verify.before["status"], verify.after["status"]) == ("account.verify", "pending", "scanning")


def test_a_role_that_lacks_permissions_fails_the_account_with_the_denied_actions_and_no_scan(connect, world):
    link = connect.link(ALICE)
    world.cloud.add_role(ROLE, link.external_id, ScriptedAccount(denied=["eks:ListClusters", "ec2:DescribeInstances"]))

    with pytest.raises(DependencyFailed) as caught:
        connect.verify(ALICE, "acct-1", ROLE)

    assert caught.value.field == "role_arn"
    stored = world.tenancy.get_account("org-1", "acct-1")
    assert stored.status is AccountStatus.FAILED
    assert stored.status_reason == "the role lacks permissions: ec2:DescribeInstances, eks:ListClusters"
    assert world.trigger.scans == []


def test_a_wrong_external_id_fails_the_account(connect, world):
    connect.link(ALICE)
    world.cloud.add_role(ROLE, "someone-elses-id")
    with pytest.raises(DependencyFailed):
        connect.verify(ALICE, "acct-1", ROLE)
    assert world.tenancy.get_account("org-1", "acct-1").status is AccountStatus.FAILED


def instance(instance_id: str, itype: str = "m5.large", state: str = "running", cluster: str | None = "prod"):
    return DiscoveredInstance("123456789012", "us-east-1", instance_id, itype, "us-east-1a", "on-demand", state, NOW,
                              cluster)


def linked(world: Fakes, account_id: str, status: AccountStatus = AccountStatus.SCANNING) -> ScriptedAccount:
    role = f"arn:aws:iam::12345678901{account_id[-1]}:role/r"
    world.tenancy.save_account(Account("org-1", account_id, status, NOW, external_id=f"x-{account_id}",
                                       aws_account_id="123456789012", role_arn=role))
    return world.cloud.add_role(role, f"x-{account_id}")


def discovery(world: Fakes) -> DiscoveryService:
    return DiscoveryService(world.tenancy, world.inventory, world.cloud, world.clock, ["us-east-1", "eu-west-1"])


def test_a_scan_stores_the_inventory_counts_nodes_and_activates_the_account(world):
    scripted = linked(world, "acct-2")
    scripted.instances["us-east-1"] = [instance("i-1"), instance("i-2"), instance("i-3", state="stopped")]
    scripted.clusters["us-east-1"] = [DiscoveredCluster("123456789012", "us-east-1", "prod", "arn:c", "1.29", "ACTIVE")]

    record = discovery(world).scan_one("org-1", "acct-2")

    assert (record.status, record.clusters, record.instances, record.added, record.removed) == ("succeeded", 1, 3, 3, 0)
    (cluster,) = world.inventory.list_clusters("org-1")
    assert (cluster.account_id, cluster.node_count) == ("acct-2", 2)
    account = world.tenancy.get_account("org-1", "acct-2")
    assert (account.status, account.last_scan_at) == (AccountStatus.ACTIVE, NOW)


def test_a_rescan_diffs_added_removed_changed_and_drops_vanished_clusters(world):
    scripted = linked(world, "acct-2")
    scripted.instances["us-east-1"] = [instance("i-1"), instance("i-2")]
    scripted.clusters["us-east-1"] = [DiscoveredCluster("123456789012", "us-east-1", "prod", "arn:c", "1.29", "ACTIVE")]
    service = discovery(world)
    service.scan_one("org-1", "acct-2")
    scripted.instances["us-east-1"] = [instance("i-1", itype="m5.xlarge"), instance("i-4")]
    scripted.clusters["us-east-1"] = []
    world.clock.advance(timedelta(minutes=15))

    record = service.scan_one("org-1", "acct-2")

    assert (record.added, record.removed, record.changed) == (1, 1, 1)
    assert sorted(s.instance.instance_id for s in world.inventory.list_instances("org-1")) == ["i-1", "i-4"]
    assert world.inventory.list_clusters("org-1") == []
    assert world.inventory.last_scan("acct-2") == record


def test_one_failing_account_is_recorded_and_the_others_are_still_scanned(world):
    broken = linked(world, "acct-2", AccountStatus.ACTIVE)
    broken.failing_regions.add("eu-west-1")
    healthy = linked(world, "acct-3", AccountStatus.ACTIVE)
    healthy.instances["us-east-1"] = [instance("i-9", cluster=None)]

    summary = discovery(world).scan_all()

    assert sorted((s.account_id, s.status) for s in summary.scans) == [("acct-2", "failed"), ("acct-3", "succeeded")]
    failed = world.tenancy.get_account("org-1", "acct-2")
    assert (failed.status, failed.status_reason) == (AccountStatus.FAILED, "ec2 in eu-west-1 is unreachable")
    assert world.inventory.last_scan("acct-2").error == "ec2 in eu-west-1 is unreachable"
    assert [s.instance.instance_id for s in world.inventory.list_instances("org-1")] == ["i-9"]


def test_accounts_not_verified_are_not_scanned(world):
    assert discovery(world).scan_one("org-1", "acct-1") is None
    assert discovery(world).scan_all().scans == []
    assert world.tenancy.get_account("org-1", "acct-1").status is AccountStatus.PENDING
