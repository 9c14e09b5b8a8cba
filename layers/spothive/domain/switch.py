"""What the live switch must know of an instance to relaunch it, and how one step is reported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Tag keys EC2 reserves (``aws:*``) cannot be set by a launch, so they are not carried.
RESERVED_TAG_PREFIX = "aws:"
#: Tags SpotHive sets on the replacement itself; the original's values of these are not carried over.
SWITCH_TAG_KEYS = ("spothive:managed", "spothive:live-switch-of")


@dataclass(frozen=True, slots=True)
class DataVolume:
    """A non-root EBS volume: moved to the replacement at the same device name."""

    volume_id: str
    device: str
    delete_on_termination: bool = False


@dataclass(frozen=True, slots=True)
class InstanceFacts:
    """What the live switch needs to know about the instance it moves (and carries to the replacement)."""

    instance_id: str
    state: str
    instance_type: str
    image_id: str
    subnet_id: str
    zone: str
    lifecycle: str
    root_device: str
    root_volume_id: str | None
    security_group_ids: tuple[str, ...] = ()
    instance_profile_arn: str | None = None
    key_name: str | None = None
    #: base64 as EC2 returns it (``DescribeInstanceAttribute``); ``None`` when the instance has none.
    user_data: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    data_volumes: tuple[DataVolume, ...] = field(default=())

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> InstanceFacts:
        """Back from the JSON the state machine carries (lists for tuples, dicts for volumes)."""
        values = dict(raw)
        values["security_group_ids"] = tuple(values.get("security_group_ids") or ())
        values["tags"] = tuple((str(k), str(v)) for k, v in values.get("tags") or ())
        values["data_volumes"] = tuple(
            v if isinstance(v, DataVolume) else DataVolume(**v) for v in values.get("data_volumes") or ())
        return cls(**values)

    def carried_tags(self) -> list[tuple[str, str]]:
        """The original's tags a launch may set, SpotHive's own switch tags left out."""
        return [(k, v) for k, v in self.tags
                if not k.startswith(RESERVED_TAG_PREFIX) and k not in SWITCH_TAG_KEYS]


def step_entry(step: str, started_at: str, duration_ms: int, result: str) -> dict[str, Any]:
    """One entry of an experiment's ``telemetry["steps"]`` (the shape the lab stream sends)."""
    return {"step": step, "started_at": started_at, "duration_ms": max(0, int(duration_ms)), "result": result}
