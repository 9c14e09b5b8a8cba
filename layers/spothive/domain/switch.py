"""What the live switch must know of an instance to relaunch it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """What the live switch needs to know about the instance it moves."""

    instance_id: str
    state: str
    instance_type: str
    image_id: str
    subnet_id: str
    zone: str
    lifecycle: str
    root_device: str
    root_volume_id: str | None
