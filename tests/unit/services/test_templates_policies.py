"""TemplateService and PolicyService on the in-memory fakes: defaults, bound deletes, versions, exclusions."""

from __future__ import annotations

import pytest

from spothive.domain.errors import Conflict, InvalidInput, NotFound
from spothive.domain.inventory import StoredCluster
from spothive.domain.templates import Strategy, TemplateSpec
from spothive.services.policies import PolicyService
from spothive.services.templates import TemplateService
from tests.support.fakes import NOW, Fakes
from tests.unit.services.helpers import principal

ALICE, MALLORY = principal("org-1"), principal("org-2", "u-9")
SPEC = TemplateSpec("general", ("m5", "c5"), ("amd64",))


@pytest.fixture
def world() -> Fakes:
    w = Fakes()
    w.inventory.add_cluster(StoredCluster("org-1", "c-1", "acct-1", "prod", "us-east-1", "arn:c", "1.29", "ACTIVE",
                                          (), 3, NOW, NOW))
    return w


@pytest.fixture
def templates(world: Fakes) -> TemplateService:
    return TemplateService(world.templates, world.clock)


@pytest.fixture
def policies(world: Fakes) -> PolicyService:
    return PolicyService(world.policies, world.templates, world.inventory, world.policy_events, world.clock)


def test_one_default_per_org_moves_with_set_default(templates, world):
    a = templates.create(ALICE, SPEC).template
    b = templates.create(ALICE, TemplateSpec("batch", ("c5",), ("amd64",))).template

    templates.set_default(ALICE, a.template_id)
    templates.set_default(ALICE, b.template_id)
    again = templates.set_default(ALICE, b.template_id)

    listed = {v.template.spec.name: v.is_default for v in templates.list_templates(ALICE)}
    assert listed == {"batch": True, "general": False}
    assert again.is_default and world.templates.default_id("org-1") == b.template_id
    actions = world.ledger.actions("org-1")
    assert actions.count("template.set_default") == 2  # the third call changed nothing and recorded nothing


def test_another_orgs_template_is_not_found_and_an_update_bumps_the_version(templates):
    created = templates.create(ALICE, SPEC).template
    with pytest.raises(NotFound):
        templates.get(MALLORY, created.template_id)

    updated = templates.update(ALICE, created.template_id, TemplateSpec("general-2", ("m5",), ("amd64",))).template

    assert (updated.version, updated.spec.name) == (2, "general-2")
    assert templates.get(ALICE, created.template_id).template == updated


def test_a_template_is_refused_deletion_while_a_cluster_policy_uses_it(templates, policies, world):
    t = templates.create(ALICE, SPEC).template
    templates.set_default(ALICE, t.template_id)
    policies.bind_template(ALICE, "c-1", 0, t.template_id)

    with pytest.raises(Conflict) as caught:
        templates.delete(ALICE, t.template_id)
    assert (caught.value.field, "c-1" in caught.value.message) == ("template_id", True)

    policies.bind_template(ALICE, "c-1", 1, None)
    templates.delete(ALICE, t.template_id)
    assert templates.list_templates(ALICE) == []
    assert world.templates.default_id("org-1") is None
    with pytest.raises(NotFound):
        policies.bind_template(ALICE, "c-1", 2, t.template_id)


def test_each_change_is_a_new_version_published_to_the_agent(policies, world):
    assert policies.get(ALICE, "c-1").version == 0

    first = policies.set_binpack(ALICE, "c-1", 0, 70)
    second = policies.set_karpenter(ALICE, "c-1", 1, True, Strategy.BALANCED)

    assert (first.version, second.version, second.binpack_aggressiveness, second.karpenter_enabled) == (1, 2, 70, True)
    assert second.updated_by == ALICE.actor and second.updated_at == NOW
    assert [(c.version, c.sections) for c in world.policy_events.published] == [(1, ("binpack",)), (2, ("karpenter",))]
    assert world.ledger.actions("org-1") == ["policy.binpack.update", "policy.karpenter.update"]


def test_a_stale_expected_version_is_a_conflict_naming_it_and_changes_nothing(policies, world):
    policies.set_fallback(ALICE, "c-1", 0, False)

    with pytest.raises(Conflict) as caught:
        policies.set_fallback(ALICE, "c-1", 0, True)

    assert caught.value.field == "expected_version"
    assert "the policy is at version 1" in caught.value.message
    assert policies.get(ALICE, "c-1").fallback_enabled is False
    assert len(world.policy_events.published) == 1


def test_exclusions_always_keep_kube_system_sorted_and_unique(policies):
    doc = policies.set_exclusions(ALICE, "c-1", 0, ["batch", " batch ", "argo"])
    assert doc.excluded_namespaces == ("argo", "batch", "kube-system")
    cleared = policies.set_exclusions(ALICE, "c-1", 1, [])
    assert cleared.excluded_namespaces == ("kube-system",)
    with pytest.raises(InvalidInput) as caught:
        policies.set_exclusions(ALICE, "c-1", 2, ["ok", "Not_OK"])
    assert caught.value.field == "namespaces.1"


def test_a_cluster_of_another_org_is_not_found(policies):
    with pytest.raises(NotFound) as caught:
        policies.get(MALLORY, "c-1")
    assert caught.value.field == "cluster_id"
