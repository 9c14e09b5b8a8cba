"""Pure rules of tenants, accounts and inventory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spothive.domain.errors import Conflict, InvalidInput
from spothive.domain.instance_names import parse_instance_type
from spothive.domain.inventory import (
    DiscoveredInstance,
    cluster_id_for,
    cluster_name_from_tags,
    diff_instances,
)
from spothive.domain.tenancy import Account, AccountStatus, landing_path, normalize_email, parse_role_arn

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _account(status: AccountStatus) -> Account:
    return Account(org_id="org-1", account_id="acct-1", status=status, created_at=T0)


def test_account_lifecycle_allows_the_verify_and_scan_path() -> None:
    scanning = _account(AccountStatus.PENDING).moved_to(AccountStatus.SCANNING)
    active = scanning.moved_to(AccountStatus.ACTIVE)
    assert (scanning.status, active.status) == (AccountStatus.SCANNING, AccountStatus.ACTIVE)
    assert active.moved_to(AccountStatus.FAILED, "AccessDenied").status_reason == "AccessDenied"


def test_pending_account_cannot_jump_to_active() -> None:
    with pytest.raises(Conflict) as err:
        _account(AccountStatus.PENDING).moved_to(AccountStatus.ACTIVE)
    assert err.value.field == "status"


def test_email_is_normalized_and_validated() -> None:
    assert normalize_email("  Ops@Example.COM ") == "ops@example.com"
    with pytest.raises(InvalidInput) as err:
        normalize_email("ops@localhost")
    assert err.value.field == "email"


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:iam::123456789012:role/SpotHiveAccess", "123456789012"),
        ("arn:aws-us-gov:iam::210987654321:role/path/to/Role", "210987654321"),
    ],
)
def test_role_arn_gives_the_account(arn: str, account: str) -> None:
    assert parse_role_arn(arn) == account


@pytest.mark.parametrize("arn", ["arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:user/x", "role/x"])
def test_bad_role_arn_names_the_field(arn: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_role_arn(arn)
    assert err.value.field == "role_arn"


def test_landing_path_needs_one_active_account() -> None:
    assert landing_path([]) == "/onboarding"
    assert landing_path([AccountStatus.PENDING, AccountStatus.SCANNING]) == "/onboarding"
    assert landing_path([AccountStatus.FAILED, AccountStatus.ACTIVE]) == "/dashboard"


def test_cluster_name_from_eks_and_kubernetes_tags() -> None:
    assert cluster_name_from_tags({"eks:cluster-name": "prod"}) == "prod"
    assert cluster_name_from_tags({"kubernetes.io/cluster/dev": "owned"}) == "dev"
    assert cluster_name_from_tags({"kubernetes.io/cluster/dev": "other"}) is None
    assert cluster_name_from_tags({"Name": "bastion"}) is None


def test_cluster_ids_are_stable_and_distinct() -> None:
    a = cluster_id_for("acct-1", "us-east-1", "prod")
    assert a == cluster_id_for("acct-1", "us-east-1", "prod")
    assert a != cluster_id_for("acct-1", "eu-west-1", "prod")
    assert a.startswith("c-") and len(a) == 18


def _inst(iid: str, itype: str = "m5.large", state: str = "running") -> DiscoveredInstance:
    return DiscoveredInstance("acct-1", "us-east-1", iid, itype, "us-east-1a", "on-demand", state, T0, "prod")


def test_diff_finds_added_removed_and_changed() -> None:
    stored = {
        "acct-1#us-east-1#i-1": ("m5.large", "on-demand", "running"),
        "acct-1#us-east-1#i-2": ("m5.large", "on-demand", "running"),
        "acct-1#us-east-1#i-3": ("m5.large", "on-demand", "running"),
    }
    diff = diff_instances(stored, [_inst("i-1"), _inst("i-2", state="stopped"), _inst("i-4")])
    assert diff.added == ("acct-1#us-east-1#i-4",)
    assert diff.removed == ("acct-1#us-east-1#i-3",)
    assert diff.changed == ("acct-1#us-east-1#i-2",)
    assert diff.unchanged == 1


@pytest.mark.parametrize(
    ("name", "family", "generation", "size_rank", "graviton"),
    [
        ("m6gd.2xlarge", "m6gd", 6, 6, True),
        ("c5.xlarge", "c5", 5, 5, False),
        ("a1.metal", "a1", 1, 22, True),
        ("g4dn.xlarge", "g4dn", 4, 5, False),
    ],
)
def test_instance_names(name: str, family: str, generation: int, size_rank: int, graviton: bool) -> None:
    parsed = parse_instance_type(name)
    assert (parsed.family, parsed.generation, parsed.size_rank, parsed.graviton) == (
        family, generation, size_rank, graviton)


def test_instance_name_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not an EC2 instance type"):
        parse_instance_type("large")
