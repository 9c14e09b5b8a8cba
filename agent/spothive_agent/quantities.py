"""Kubernetes resource quantities ("250m", "1.5", "512Mi", "2G") as integers the snapshot uses."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(10**3),
            "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15), "E": Decimal(10**18)}


def parse_quantity(value: str | int | float | None) -> Decimal:
    """The quantity as a number of base units (cores, bytes, devices); ``ValueError`` when malformed."""
    if value is None:
        return Decimal(0)
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = value.strip()
    for suffix, factor in _BINARY.items():
        if text.endswith(suffix):
            return _number(text[: -len(suffix)], value) * factor
    if text and text[-1] in _DECIMAL and not text[-1].isdigit() and not text.lower().endswith(("e", "e+", "e-")):
        return _number(text[:-1], value) * _DECIMAL[text[-1]]
    return _number(text, value)


def _number(text: str, original: object) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a Kubernetes quantity: {original!r}") from None


def cpu_millis(value: str | int | float | None) -> int:
    """CPU in millicores, rounded up (the scheduler never under-counts)."""
    return int((parse_quantity(value) * 1000).to_integral_value(rounding="ROUND_CEILING"))


def memory_mib(value: str | int | float | None) -> int:
    """Memory in MiB, rounded up."""
    return int((parse_quantity(value) / 2**20).to_integral_value(rounding="ROUND_CEILING"))


def count(value: str | int | float | None) -> int:
    """A whole count (pods, GPUs, extended resources)."""
    return int(parse_quantity(value).to_integral_value(rounding="ROUND_CEILING"))


def to_units(resource: str, value: str | int | float | None) -> int:
    """A resource in the snapshot's units: ``cpu`` in millicores, ``memory`` in MiB, anything else a count."""
    if resource == "cpu":
        return cpu_millis(value)
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        return memory_mib(value)
    return count(value)
