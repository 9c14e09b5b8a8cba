"""The lab: the customer's EC2 for the live switch, the experiment records, the A/B routing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from spothive.domain.switch import InstanceFacts


class SwitchGateway(Protocol):
    """EC2 in one customer account and region (assumed role), for the live switch."""

    def describe(self, instance_id: str) -> InstanceFacts:
        """State, placement, network, profile, key, tags and data volumes (not the user data)."""
        ...

    def user_data(self, instance_id: str) -> str | None:
        """The instance's user data, base64 as EC2 keeps it; ``None`` when it has none."""
        ...

    def stop(self, instance_id: str) -> str:
        """Ask EC2 to stop the instance; its current state."""
        ...

    def start(self, instance_id: str) -> str: ...

    def terminate(self, instance_id: str) -> str: ...

    def snapshot_root(self, volume_id: str, description: str) -> str:
        """Snapshot the root volume; the snapshot id."""
        ...

    def detach_volume(self, volume_id: str, instance_id: str) -> None: ...

    def attach_volume(self, volume_id: str, instance_id: str, device: str) -> None: ...

    def volume_attachments(self, volume_ids: Sequence[str]) -> dict[str, str | None]:
        """Each volume's attached instance (``None`` once it is ``available``)."""
        ...

    def launch_spot(self, facts: InstanceFacts, snapshot_id: str | None, token: str) -> str:
        """Launch a Spot instance like ``facts`` (subnet, groups, profile, key, user data, tags; root from
        ``snapshot_id`` when given); idempotent on ``token``."""
        ...

    def health(self, instance_id: str) -> str:
        """``ok`` when both EC2 status checks pass, else the worse of their states (``initializing`` …)."""
        ...

    def tag(self, instance_id: str, tags: Mapping[str, str]) -> None:
        """Set ``tags`` on the instance (the A/B test's ``spothive:model`` routing tag)."""
        ...

    def untag(self, instance_id: str, tags: Mapping[str, str]) -> None:
        """Remove each of ``tags`` from the instance where it still has that value (an A/B test's end)."""
        ...


class SwitchCloud(Protocol):
    """Opens a :class:`SwitchGateway` in a customer account through its role."""

    def open(self, role_arn: str, external_id: str, region: str) -> SwitchGateway: ...


class LabRepo(Protocol):
    """The ``lab-experiments`` table."""

    def save(self, experiment_id: str, item: Mapping[str, Any], *, expect_status: str | None = None) -> None:
        """Write (or overwrite) one experiment's record; with ``expect_status``, only over a record in that
        status (``Conflict`` otherwise: two callers racing to end one test, one wins)."""
        ...

    def get(self, experiment_id: str) -> dict[str, Any] | None: ...

    def by_model(self, model_id: str, since: str) -> list[dict[str, Any]]:
        """Records of ``model_id`` created at or after ``since`` (a Query of the ``by_model`` index)."""
        ...

