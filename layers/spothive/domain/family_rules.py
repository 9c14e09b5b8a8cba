"""Which CPU architectures an EC2 instance family offers and whether it carries accelerators.

Derived from the family name alone (see ``instance_names``): Graviton families (``g`` attribute, ``a1``)
are arm64 only, everything else is amd64 (x86_64); GPU and ML-accelerator families are the ``g*``,
``p*``, ``inf*``, ``trn*`` and ``dl*`` series (``g5g`` is arm64 with GPUs, ``g4dn`` has no arm64).
Architecture names follow Kubernetes' ``kubernetes.io/arch`` label; ``x86_64`` and ``aarch64`` are aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spothive.domain.instance_names import parse_instance_type

AMD64 = "amd64"
ARM64 = "arm64"
ARCHITECTURES: tuple[str, ...] = (AMD64, ARM64)
_ARCH_ALIASES = {"amd64": AMD64, "x86_64": AMD64, "x86-64": AMD64, "arm64": ARM64, "aarch64": ARM64}

#: Instance series EC2 sells today (the letters before the generation digit).
KNOWN_SERIES = frozenset({
    "a", "c", "d", "dl", "f", "g", "gr", "h", "hpc", "i", "im", "inf", "is", "m", "mac", "p", "r", "t",
    "trn", "u", "vt", "x", "z",
})
GPU_SERIES = frozenset({"g", "gr", "p", "inf", "trn", "dl"})
_FAMILY = re.compile(r"^[a-z]+\d+[a-z0-9-]*$")
_HIGH_MEMORY = re.compile(r"^u-\d+tb\d+$")  # u-3tb1, u-6tb1: Intel high-memory


@dataclass(frozen=True, slots=True)
class FamilyTraits:
    """What a family offers."""

    family: str
    architectures: frozenset[str]
    gpu: bool
    mac: bool = False


@dataclass(frozen=True, slots=True)
class Compatibility:
    """The outcome of checking families against architectures: errors make a template invalid."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


def normalize_arch(name: str) -> str | None:
    """``amd64``/``arm64`` for a known architecture name or alias, else ``None``."""
    return _ARCH_ALIASES.get(name.strip().lower())


def family_traits(family: str) -> FamilyTraits | None:
    """The traits of ``family`` (``m6g``, ``g4dn``), or ``None`` when it is not a known EC2 family."""
    value = family.strip().lower()
    if _HIGH_MEMORY.match(value):
        return FamilyTraits(value, frozenset({AMD64}), gpu=False)
    if not _FAMILY.match(value):
        return None
    try:
        parsed = parse_instance_type(f"{value}.large")
    except ValueError:
        return None
    if parsed.series not in KNOWN_SERIES:
        return None
    if parsed.series == "mac":  # mac1 is Intel; mac2 and later are Apple silicon
        return FamilyTraits(value, frozenset({AMD64 if parsed.generation == 1 else ARM64}), gpu=False, mac=True)
    arch = ARM64 if parsed.graviton else AMD64
    return FamilyTraits(value, frozenset({arch}), gpu=parsed.series in GPU_SERIES)


def check_compatibility(
    families: Iterable[str], architectures: Iterable[str], gpu: bool | None = None
) -> Compatibility:
    """Errors and warnings for a template's families x architectures (x GPU wish, when given)."""
    errors: list[str] = []
    warnings: list[str] = []
    arches: set[str] = set()
    for name in architectures:
        arch = normalize_arch(name)
        if arch is None:
            errors.append(f"unknown architecture {name!r} (use amd64/x86_64 or arm64)")
        else:
            arches.add(arch)
    traits: list[FamilyTraits] = []
    for name in families:
        found = family_traits(name)
        if found is None:
            errors.append(f"unknown instance family {name!r}")
        else:
            traits.append(found)
    for t in traits:
        if t.mac:
            errors.append(f"{t.family} runs macOS on Dedicated Hosts and cannot join an EKS cluster")
        elif arches and not (t.architectures & arches):
            have = "/".join(sorted(t.architectures))
            want = "/".join(sorted(arches))
            errors.append(f"{t.family} is {have} only and has no {want} instance types")
    gpu_families = sorted(t.family for t in traits if t.gpu)
    if gpu is True and traits and not gpu_families:
        errors.append("gpu is requested but none of the families has GPUs or accelerators")
    if gpu is False and gpu_families:
        errors.append(f"gpu is not allowed but {', '.join(gpu_families)} carry GPUs or accelerators")
    if len(arches) > 1:
        warnings.append("mixing amd64 and arm64 needs multi-architecture images for every workload")
    for arch in sorted(arches):
        if traits and not any(arch in t.architectures for t in traits):
            warnings.append(f"{arch} is listed but no family provides it")
    return Compatibility(errors, warnings)
