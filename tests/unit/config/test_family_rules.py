"""Family rules: architectures and accelerators per family, template compatibility checks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spothive.domain.family_rules import AMD64, ARM64, check_compatibility, family_traits, normalize_arch


@pytest.mark.parametrize(("family", "arch", "gpu"), [
    ("m5", AMD64, False), ("m6g", ARM64, False), ("c7gn", ARM64, False), ("a1", ARM64, False),
    ("g4dn", AMD64, True), ("g5g", ARM64, True), ("g4ad", AMD64, True), ("p5", AMD64, True),
    ("inf2", AMD64, True), ("trn1n", AMD64, True), ("dl2q", AMD64, True), ("gr6", AMD64, True),
    ("is4gen", ARM64, False), ("im4gn", ARM64, False), ("hpc7g", ARM64, False), ("c7i-flex", AMD64, False),
    ("u7i-12tb", AMD64, False), ("u-6tb1", AMD64, False), ("p6-b200", AMD64, True), ("mac1", AMD64, False), ("mac2-m2pro", ARM64, False),
])
def test_traits_from_the_family_name(family: str, arch: str, gpu: bool) -> None:
    traits = family_traits(family)
    assert traits is not None
    assert traits.architectures == frozenset({arch})
    assert traits.gpu is gpu


@pytest.mark.parametrize("name", ["zz9", "m", "m5.large", "", "5m", "foo1"])
def test_unknown_families(name: str) -> None:
    assert family_traits(name) is None


def test_arch_aliases() -> None:
    assert normalize_arch("x86_64") == AMD64
    assert normalize_arch("AARCH64") == ARM64
    assert normalize_arch("sparc") is None


def test_g4dn_on_arm64_is_an_error() -> None:
    result = check_compatibility(["g4dn"], ["arm64"])
    assert not result.valid
    assert result.errors == ["g4dn is amd64 only and has no arm64 instance types"]


def test_graviton_family_with_x86_only_is_an_error() -> None:
    result = check_compatibility(["m6g", "m5"], ["x86_64"])
    assert result.errors == ["m6g is arm64 only and has no amd64 instance types"]


def test_mixing_architectures_is_a_warning() -> None:
    result = check_compatibility(["m6g", "m5"], ["arm64", "x86_64"])
    assert result.valid
    assert result.warnings == ["mixing amd64 and arm64 needs multi-architecture images for every workload"]


def test_unknown_family_is_named() -> None:
    result = check_compatibility(["m5", "qq7"], ["amd64"])
    assert result.errors == ["unknown instance family 'qq7'"]


def test_gpu_wish_against_families() -> None:
    assert check_compatibility(["g5g"], ["arm64"], gpu=True).valid
    assert check_compatibility(["m5"], ["amd64"], gpu=True).errors == [
        "gpu is requested but none of the families has GPUs or accelerators"]
    assert check_compatibility(["p5", "m5"], ["amd64"], gpu=False).errors == [
        "gpu is not allowed but p5 carry GPUs or accelerators"]


def test_mac_families_cannot_join_eks() -> None:
    assert check_compatibility(["mac2"], ["arm64"]).errors == [
        "mac2 runs macOS on Dedicated Hosts and cannot join an EKS cluster"]


def test_rules_agree_with_the_instance_catalog(shared_data: Path) -> None:
    # Given every family of the Karpenter instance catalog with its architectures and accelerators
    path = shared_data / "ec2_instance_types_karpenter.csv"
    if not path.exists():
        pytest.skip(f"public reference data not found: {path}")
    catalog: dict[str, tuple[set[str], bool]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            arches, gpu = catalog.setdefault(row["family"], (set(), False))
            arches.add(row["arch"])
            accel = bool(row["gpu_count"] or row["accelerator_count"])
            catalog[row["family"]] = (arches, gpu or accel)
    assert len(catalog) > 150
    # Then the name-based rules give the same architecture and GPU presence for each family
    mismatches = []
    for family, (arches, gpu) in sorted(catalog.items()):
        traits = family_traits(family)
        if traits is None or traits.architectures != frozenset(arches) or traits.gpu != gpu:
            mismatches.append((family, sorted(arches), gpu, traits))
    assert mismatches == []
