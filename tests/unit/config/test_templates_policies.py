"""Template specs and policy documents: normalisation, validation naming the field, versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spothive.domain.errors import Conflict, InvalidInput
from spothive.domain.policies import (
    PolicyDocument,
    check_version,
    next_version,
    normalize_namespaces,
    validate_aggressiveness,
)
from spothive.domain.templates import NodeTemplate, Strategy, TemplateSpec, validated_spec

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def spec(**kw: object) -> TemplateSpec:
    base: dict[str, object] = {"name": " general ", "families": ("M6G", "c6g", "m6g"), "architectures": ("aarch64",)}
    base.update(kw)
    return TemplateSpec(**base)  # type: ignore[arg-type]


def test_spec_is_normalised() -> None:
    result = validated_spec(spec(capacity_types=("Spot", "spot")))
    assert result.name == "general"
    assert result.families == ("m6g", "c6g")
    assert result.architectures == ("arm64",)
    assert result.capacity_types == ("spot",)


@pytest.mark.parametrize(("kw", "field"), [
    ({"name": "  "}, "name"),
    ({"families": ()}, "families"),
    ({"architectures": ()}, "architectures"),
    ({"capacity_types": ("reserved",)}, "capacity_types"),
    ({"max_nodes": 0}, "max_nodes"),
    ({"disruption_budget_percent": 101}, "disruption_budget_percent"),
    ({"families": ("g4dn",)}, "families"),
    ({"architectures": ("sparc",)}, "architectures"),
])
def test_bad_spec_names_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        validated_spec(spec(**kw))
    assert err.value.field == field


def test_template_versions_and_soft_delete() -> None:
    template = NodeTemplate("org-1", "tmpl-1", validated_spec(spec()), NOW, NOW)
    revised = template.revised(validated_spec(spec(strategy=Strategy.COST)), NOW)
    assert revised.version == 2
    deleted = revised.deleted(NOW)
    assert deleted.version == 3
    assert deleted.to_doc()["deleted_at"] == "2026-03-02T12:00:00+00:00"
    assert revised.to_doc()["strategy"] == "cost"


def test_namespaces_always_include_kube_system_sorted_and_unique() -> None:
    assert normalize_namespaces(["monitoring", "kube-system", "monitoring", "argo-cd"]) == (
        "argo-cd", "kube-system", "monitoring")
    assert normalize_namespaces([]) == ("kube-system",)


@pytest.mark.parametrize("bad", ["Monitoring", "-lead", "trail-", "a_b", "x" * 64, ""])
def test_namespace_must_be_a_dns1123_label(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalize_namespaces(["ok", bad])
    assert err.value.field == "namespaces.1"


def test_aggressiveness_bounds() -> None:
    assert validate_aggressiveness(20) == 20
    assert validate_aggressiveness(80) == 80
    for bad in (19, 81):
        with pytest.raises(InvalidInput) as err:
            validate_aggressiveness(bad)
        assert err.value.field == "aggressiveness"


def test_stale_version_is_a_conflict_naming_expected_version() -> None:
    doc = PolicyDocument("org-1", "c-1", version=3)
    check_version(doc, 3)
    with pytest.raises(Conflict) as err:
        check_version(doc, 2)
    assert err.value.field == "expected_version"
    assert "version 3" in err.value.message


def test_next_version_stamps_actor_and_time() -> None:
    doc = next_version(PolicyDocument("org-1", "c-1"), "user:u1", NOW, binpack_aggressiveness=70)
    assert (doc.version, doc.updated_by, doc.binpack_aggressiveness) == (1, "user:u1", 70)
    assert doc.to_doc()["binpack"] == {"aggressiveness": 70}
    assert doc.to_doc()["exclusions"] == {"namespaces": ["kube-system"]}
