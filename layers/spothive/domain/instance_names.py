"""Parse EC2 instance type names such as ``m6gd.2xlarge`` into their parts.

The name grammar is ``<family><generation><attributes>.<size>``: ``m`` family letters, ``6`` generation,
``gd`` attributes (g = Graviton, d = local NVMe, n = network, a = AMD, i = Intel …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(r"^(?P<series>[a-z]+?)(?P<generation>\d+)(?P<attributes>[a-z0-9-]*)\.(?P<size>[a-z0-9-]+)$")

#: Relative position of each size inside a family, used as an ordinal feature and for "one size down".
SIZE_ORDER: tuple[str, ...] = (
    "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "3xlarge", "4xlarge", "6xlarge",
    "8xlarge", "9xlarge", "10xlarge", "12xlarge", "16xlarge", "18xlarge", "24xlarge", "32xlarge",
    "48xlarge", "56xlarge", "96xlarge", "112xlarge", "metal",
)


@dataclass(frozen=True, slots=True)
class InstanceName:
    """The parts of an EC2 instance type name."""

    name: str
    series: str  # "m", "c", "r", "g", "inf", "trn", "x", "u-"
    generation: int
    attributes: str  # "gd", "a", "n", ""
    size: str  # "2xlarge", "metal", "metal-48xl"

    @property
    def family(self) -> str:
        """The family as EC2 and Karpenter name it: ``m6gd`` for ``m6gd.2xlarge``."""
        return self.name.split(".", 1)[0]

    @property
    def size_rank(self) -> int:
        """Ordinal of the size (0 = nano); unknown sizes such as ``metal-24xl`` rank as metal."""
        base = self.size.split("-", 1)[0]
        return SIZE_ORDER.index(base) if base in SIZE_ORDER else len(SIZE_ORDER) - 1

    @property
    def graviton(self) -> bool:
        """True for AWS Graviton (arm64) families, which carry a ``g`` attribute (a1 is the first)."""
        return self.series == "a" or "g" in self.attributes.replace("gpu", "")


def parse_instance_type(name: str) -> InstanceName:
    """Split an instance type name; raise ``ValueError`` naming the input when it is not one."""
    match = _NAME.match(name.strip().lower())
    if not match:
        raise ValueError(f"not an EC2 instance type name: {name!r}")
    return InstanceName(
        name=name.strip().lower(),
        series=match["series"],
        generation=int(match["generation"]),
        attributes=match["attributes"],
        size=match["size"],
    )
