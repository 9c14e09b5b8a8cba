"""The live-switch experiment: the customer's EC2 and the experiment records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from spothive.domain.switch import InstanceFacts


class SwitchGateway(Protocol):
    """EC2 in one customer account and region (assumed role), for the live switch."""

    def describe(self, instance_id: str) -> InstanceFacts: ...

    def stop(self, instance_id: str) -> str:
        """Ask EC2 to stop the instance; its current state."""
        ...

    def start(self, instance_id: str) -> str: ...

    def snapshot_root(self, volume_id: str, description: str) -> str:
        """Snapshot the root volume; the snapshot id."""
        ...

    def launch_spot(self, facts: InstanceFacts, snapshot_id: str | None, token: str) -> str:
        """Launch a Spot instance like ``facts`` (root from ``snapshot_id`` when given); idempotent on ``token``."""
        ...


class SwitchCloud(Protocol):
    """Opens a :class:`SwitchGateway` in a customer account through its role."""

    def open(self, role_arn: str, external_id: str, region: str) -> SwitchGateway: ...


class LabRepo(Protocol):
    """The ``lab-experiments`` table."""

    def save(self, experiment_id: str, item: Mapping[str, Any]) -> None:
        """Write (or overwrite) one experiment's record."""
        ...

    def get(self, experiment_id: str) -> dict[str, Any] | None: ...
