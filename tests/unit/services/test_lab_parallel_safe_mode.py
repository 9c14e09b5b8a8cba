"""SAFE_MODE over the lab's A/B tests: configuring and stopping one under any level (global, tenant, the
cluster of either instance) is a dry run the tenant's ledger records with what would have been done."""

from __future__ import annotations

from dataclasses import replace

import pytest

from spothive.domain.errors import Conflict
from spothive.services.model_routing import MODEL_TAG
from spothive.services.safe_mode import SafeModeService
from tests.support.fakes import Fakes, MemorySafeModeSwitches
from tests.unit.services.test_lab_parallel import ORG, A, B, SeenModel, lab
from tests.unit.services.test_lab_parallel import models as models  # a fixture
from tests.unit.services.test_lab_parallel import world as world  # a fixture


def guarded(world: Fakes, models: dict[str, SeenModel], switches: MemorySafeModeSwitches):
    return lab(world, models, SafeModeService(switches, world.ledger))


def in_cluster(world: Fakes, instance_id: str, name: str) -> str:
    """Put an inventory instance in a cluster; its cluster id."""
    (found,) = [s.instance for s in world.inventory.list_instances(ORG) if s.instance.instance_id == instance_id]
    moved = replace(found, cluster_name=name)
    world.inventory.upsert_instances(ORG, [moved], world.now)
    assert moved.cluster_id is not None
    return moved.cluster_id


@pytest.mark.parametrize(("scope", "reason"), [
    ("global", "global SAFE_MODE on"),
    (f"org:{ORG}", "tenant SAFE_MODE on"),
    ("cluster", "cluster SAFE_MODE on"),
])
def test_configuring_under_safe_mode_tags_nothing_and_records_what_it_would_tag(world, models, scope, reason):
    # Given SAFE_MODE on globally, for the tenant, or for the cluster of instance B only
    cluster_id = in_cluster(world, B, "prod")
    switches = MemorySafeModeSwitches()
    switches.scopes[f"cluster:{ORG}:{cluster_id}" if scope == "cluster" else scope] = True
    tests, ec2 = guarded(world, models, switches)

    # When a super admin configures an A/B test
    configured = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")

    # Then nothing is tagged in the account nor in the inventory copy, and no model scores anything
    assert ec2.calls == [] and ec2.opened == []
    assert {s.instance.instance_id: s.instance.tags for s in world.inventory.list_instances(ORG)} == {A: {}, B: {}}
    assert models["mdl-a"].seen == models["mdl-b"].seen == []
    # And no arm record exists, so an interruption of either instance is never counted
    assert world.lab.get(f"ab-instance#{A}") is None and world.lab.get(f"ab-instance#{B}") is None
    would = [{"instance_id": A, "tag": {MODEL_TAG: "mdl-a"}}, {"instance_id": B, "tag": {MODEL_TAG: "mdl-b"}}]
    assert (configured["mode"], configured["safe_mode"], configured["would"], configured["predictions"]) == (
        "dry_run", reason, would, [])
    assert world.lab.get(configured["test_id"])["status"] == "dry_run"
    # And the tenant's chain records the dry run with what would have been tagged and why
    (audited,) = world.ledger.chains[ORG]
    assert (audited.action, audited.resource_id, audited.after) == (
        "lab.ab_test.dry_run", configured["test_id"], {"step": "configure", "would": would, "safe_mode": reason})


def test_a_safe_mode_of_another_cluster_leaves_the_test_to_run(world, models):
    # Given SAFE_MODE on for a cluster neither instance belongs to
    in_cluster(world, B, "prod")
    tests, ec2 = guarded(world, models, MemorySafeModeSwitches(**{f"cluster__{ORG}__other": True}))

    # When a test is configured, Then both instances are tagged as usual
    configured = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")
    assert ec2.calls == [("tag", f"{A}:{MODEL_TAG}=mdl-a"), ("tag", f"{B}:{MODEL_TAG}=mdl-b")]
    assert "mode" not in configured


def test_stopping_under_safe_mode_untags_nothing_and_the_test_keeps_running(world, models):
    # Given a running test, then the tenant's SAFE_MODE turned on
    switches = MemorySafeModeSwitches()
    tests, ec2 = guarded(world, models, switches)
    test_id = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")["test_id"]
    ec2.calls.clear()
    switches.scopes[f"org:{ORG}"] = True

    # When a super admin stops it
    stopped = tests.stop("admin:root", test_id)

    # Then no tag is removed anywhere and the test and its arms still run
    assert ec2.calls == []
    tags = {s.instance.instance_id: s.instance.tags for s in world.inventory.list_instances(ORG)}
    assert tags == {A: {MODEL_TAG: "mdl-a"}, B: {MODEL_TAG: "mdl-b"}}
    assert [world.lab.get(k)["status"] for k in (test_id, f"ab-instance#{A}", f"ab-instance#{B}")] == ["running"] * 3
    would = [{"instance_id": A, "untag": {MODEL_TAG: "mdl-a"}, "discovered": True},
             {"instance_id": B, "untag": {MODEL_TAG: "mdl-b"}, "discovered": True}]
    assert stopped == {"test_id": test_id, "status": "running", "mode": "dry_run",
                       "safe_mode": "tenant SAFE_MODE on", "would": would}
    # And the chain records the dry run after the configuration
    assert [(r.action, (r.after or {}).get("step")) for r in world.ledger.chains[ORG]] == [
        ("lab.ab_test.configured", None), ("lab.ab_test.dry_run", "stop")]


def test_an_unreadable_safe_mode_counts_as_on_and_a_dry_run_test_cannot_be_stopped(world, models):
    # Given the cache holding SAFE_MODE is down
    switches = MemorySafeModeSwitches()
    switches.unreadable = True
    tests, ec2 = guarded(world, models, switches)

    # When a test is configured, Then it is a dry run, and stopping that record is a 409 naming test_id
    configured = tests.configure("admin:root", ORG, A, "mdl-a", B, "mdl-b")
    assert configured["mode"] == "dry_run" and "unreadable" in configured["safe_mode"] and ec2.calls == []
    with pytest.raises(Conflict) as caught:
        tests.stop("admin:root", configured["test_id"])
    assert caught.value.field == "test_id"
