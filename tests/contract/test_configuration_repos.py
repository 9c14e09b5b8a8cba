"""TemplateRepo, PolicyRepo and HibernationRepo: the same conditions in memory and in DynamoDB."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from spothive.adapters.dynamo.hibernation_repo import DynamoHibernationRepo
from spothive.adapters.dynamo.policies_repo import DynamoPolicyRepo
from spothive.adapters.dynamo.templates_repo import DynamoTemplateRepo
from spothive.domain.audit import AuditEntry
from spothive.domain.errors import Conflict
from spothive.domain.hibernation import HibernationRecord, NodegroupSize
from spothive.domain.policies import PolicyDocument
from spothive.domain.templates import NodeTemplate, TemplateSpec
from tests.support.fakes import NOW, MemoryHibernationRepo, MemoryPolicyRepo, MemoryTemplateRepo

SPEC = TemplateSpec("general", ("m5", "c5"), ("amd64",))


@pytest.fixture
def repos(kind, ledger):  # type: ignore[no-untyped-def]
    if kind == "memory":
        templates = MemoryTemplateRepo(ledger)
        return SimpleNamespace(templates=templates, policies=MemoryPolicyRepo(templates, ledger),
                               hibernation=MemoryHibernationRepo(ledger))
    return SimpleNamespace(templates=DynamoTemplateRepo(ledger), policies=DynamoPolicyRepo(ledger),
                           hibernation=DynamoHibernationRepo(ledger))


def entry(action: str) -> AuditEntry:
    return AuditEntry("user:u-1", action, "thing", "x")


def template(template_id: str = "tmpl-1", name: str = "general") -> NodeTemplate:
    return NodeTemplate("org-1", template_id, replace(SPEC, name=name), NOW, NOW)


def test_templates_list_by_id_and_a_stale_update_conflicts(repos, ledger):
    t = repos.templates
    t.create(template("tmpl-2", "b"), entry("template.create"))
    t.create(template("tmpl-1", "a"), entry("template.create"))
    revised = template("tmpl-1", "a").revised(replace(SPEC, name="a2"), NOW + timedelta(minutes=1))
    t.update(revised, 1, entry("template.update"))

    with pytest.raises(Conflict):
        t.update(template("tmpl-1", "stale"), 1, entry("template.update"))
    with pytest.raises(Conflict):
        t.create(template("tmpl-2", "again"), entry("template.create"))

    assert [x.template_id for x in t.list_all("org-1")] == ["tmpl-1", "tmpl-2"]
    assert t.get("org-1", "tmpl-1") == revised
    assert [r.action for r in ledger.records("org-1")] == ["template.create", "template.create", "template.update"]


def test_the_default_pointer_moves_only_from_where_it_is_and_never_to_a_deleted_template(repos):
    t = repos.templates
    t.create(template("tmpl-1"), entry("template.create"))
    t.create(template("tmpl-2"), entry("template.create"))
    assert t.default_id("org-1") is None

    t.set_default("org-1", "tmpl-1", None, entry("template.default"))
    with pytest.raises(Conflict):
        t.set_default("org-1", "tmpl-2", None, entry("template.default"))  # it moved meanwhile
    t.soft_delete(replace(template("tmpl-1"), version=2, deleted_at=NOW), 1, entry("template.delete"))

    assert t.default_id("org-1") is None  # deleting the default clears the pointer
    with pytest.raises(Conflict):
        t.set_default("org-1", "tmpl-1", None, entry("template.default"))
    t.set_default("org-1", "tmpl-2", None, entry("template.default"))
    assert t.default_id("org-1") == "tmpl-2"


def test_a_bound_template_cannot_be_deleted_and_a_deleted_one_cannot_be_bound(repos):
    t, p = repos.templates, repos.policies
    t.create(template("tmpl-1"), entry("template.create"))
    t.create(template("tmpl-2"), entry("template.create"))
    blank = PolicyDocument("org-1", "c-1")
    bound = replace(blank, version=1, template_id="tmpl-1")
    p.save(bound, blank, entry("policy.update"))

    with pytest.raises(Conflict) as caught:
        t.soft_delete(replace(template("tmpl-1"), version=2, deleted_at=NOW), 1, entry("template.delete"))
    assert caught.value.field == "template_id"
    assert t.bound_clusters("org-1", "tmpl-1") == ["c-1"]

    t.soft_delete(replace(template("tmpl-2"), version=2, deleted_at=NOW), 1, entry("template.delete"))
    with pytest.raises(Conflict):
        p.save(replace(bound, version=2, template_id="tmpl-2"), bound, entry("policy.update"))
    with pytest.raises(Conflict) as missing:
        p.save(replace(bound, version=2, template_id="tmpl-9"), bound, entry("policy.update"))
    assert missing.value.field == "template_id"
    assert p.get("org-1", "c-1") == bound


def test_policies_are_versioned_and_a_stale_save_conflicts(repos, ledger):
    p = repos.policies
    blank = PolicyDocument("org-1", "c-1")
    first = replace(blank, version=1, binpack_aggressiveness=70, excluded_namespaces=("kube-system", "batch"))
    p.save(first, blank, entry("policy.update"))

    with pytest.raises(Conflict):
        p.save(replace(blank, version=1), blank, entry("policy.update"))
    p.save(replace(first, version=2, fallback_enabled=False), first, entry("policy.update"))

    assert p.get("org-1", "c-1") == replace(first, version=2, fallback_enabled=False)
    assert p.get("org-1", "c-2") is None
    assert [r.action for r in ledger.records("org-1")] == ["policy.update", "policy.update"]


def schedule(version: int = 1, enabled: bool = True, cluster_id: str = "c-1") -> HibernationRecord:
    return HibernationRecord("org-1", cluster_id, (1,) * 168, "Europe/Paris", False, enabled, version, updated_at=NOW)


def test_schedules_save_on_version_and_keep_the_workers_state(repos):
    h = repos.hibernation
    h.save(schedule(1), 0, entry("hibernation.save"))
    with pytest.raises(Conflict):
        h.save(schedule(1), 0, entry("hibernation.save"))

    sizes = {"ng-1": NodegroupSize(1, 5, 3)}
    h.record_state(h.get("org-1", "c-1"), "asleep", "asleep", sizes, NOW, entry("hibernation.sleep"))
    with pytest.raises(Conflict):  # the state moved on since this copy was read
        h.record_state(schedule(1), "asleep", "asleep", sizes, NOW, None)
    h.save(replace(schedule(2), timezone="UTC"), 1, entry("hibernation.save"))

    stored = h.get("org-1", "c-1")
    assert (stored.version, stored.timezone, stored.desired_state, stored.applied_state) == (2, "UTC", "asleep", "asleep")
    assert stored.saved_sizes == sizes and stored.state_changed_at == NOW


def test_a_karpenter_transition_keeps_its_limits_action_and_error_across_a_user_save(repos):
    h = repos.hibernation
    h.save(schedule(1), 0, entry("hibernation.save"))
    limits = {"spothive-general": {"cpu": "100", "memory": "400Gi", "nvidia.com/gpu": 4}, "spothive-batch": {}}
    h.record_state(h.get("org-1", "c-1"), "asleep", "failed", {}, NOW, entry("hibernation.sleep.failed"),
                   limits=limits, action_id="hib-abc-sleep-1", error="agent: failed: 500")
    h.save(replace(schedule(2), timezone="UTC"), 1, entry("hibernation.save"))
    stored = h.get("org-1", "c-1")
    assert (stored.saved_limits, stored.action_id, stored.last_error) == (limits, "hib-abc-sleep-1", "agent: failed: 500")
    # And a later success clears the error
    h.record_state(stored, "asleep", "asleep", {}, NOW, None, limits=limits, action_id="hib-abc-sleep-2")
    assert (h.get("org-1", "c-1").last_error, h.get("org-1", "c-1").action_id) == (None, "hib-abc-sleep-2")


def test_only_enabled_schedules_are_listed(repos):
    h = repos.hibernation
    h.save(schedule(1, cluster_id="c-1"), 0, entry("hibernation.save"))
    h.save(schedule(1, enabled=False, cluster_id="c-2"), 0, entry("hibernation.save"))
    h.save(schedule(1, cluster_id="c-3"), 0, entry("hibernation.save"))

    assert sorted(r.cluster_id for r in h.enabled()) == ["c-1", "c-3"]
