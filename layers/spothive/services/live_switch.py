"""The live-switch experiment (lab): move one EC2 instance to Spot keeping its root disk, and measure it.

Steps (each a task of the ``live-switch`` state machine, each returning the whole state): ``prepare``
(describe the instance and its root volume, start the telemetry), ``stop``, ``check_stopped`` (polled,
``stopped``), ``launch_spot`` (snapshot the root volume, RunInstances as Spot with the same AMI, subnet
and type and the root from the snapshot; the experiment id is the client token, so a retry launches
nothing new), ``verify`` (the Spot instance runs), ``rollback`` (start the original again) and
``record`` (durations and prices into ``lab-experiments``). Under SAFE_MODE every step is a recorded
dry run that changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from spothive.domain.errors import DependencyFailed, InvalidInput, ServiceUnavailable, SpotHiveError
from spothive.domain.switch import InstanceFacts
from spothive.ports.clock import Clock
from spothive.ports.lab import LabRepo, SwitchCloud, SwitchGateway
from spothive.ports.pricing import CatalogSource
from spothive.ports.safety import SafeModeFlag
from spothive.services.optimization import error_summary

LOG = logging.getLogger(__name__)

State = dict[str, Any]


class SwitchFailed(SpotHiveError):
    """The Spot replacement did not come up."""

    code = "switch_failed"
    status = 502


class LiveSwitch:
    """Use cases behind ``live_switch_steps.handler``."""

    def __init__(self, cloud: SwitchCloud, lab: LabRepo, catalogs: CatalogSource, safe_mode: SafeModeFlag,
                 clock: Clock, *, global_safe_mode: bool = False) -> None:
        self._cloud = cloud
        self._lab = lab
        self._catalogs = catalogs
        self._safe_mode = safe_mode
        self._clock = clock
        self._global_safe_mode = global_safe_mode
        self._steps: dict[str, Callable[[SwitchGateway | None, State], State]] = {
            "prepare": self._prepare, "stop": self._stop, "check_stopped": self._check_stopped,
            "launch_spot": self._launch_spot, "verify": self._verify, "rollback": self._rollback,
        }

    def run(self, step: str, state: Mapping[str, Any]) -> State:
        """Run ``step`` on ``state`` and return the next state."""
        current = dict(state)
        for name in ("experiment_id", "instance_id", "role_arn"):
            if not isinstance(current.get(name), str) or not current[name]:
                raise InvalidInput(f"{name} is required", field=name)
        current.setdefault("poll_seconds", 1)
        current.setdefault("region", "us-east-1")
        if step == "record":
            return self._record(current)
        if step not in self._steps:
            raise InvalidInput(f"unknown step {step!r}", field="step")
        if step == "prepare":
            current["dry_run"] = self._dry_run_reason(current)
            current["log"] = []
        started = self._clock.now()
        if current.get("dry_run"):
            current = self._dry(step, current)
        else:
            gateway = self._cloud.open(current["role_arn"], str(current.get("external_id") or ""),
                                       current["region"])
            current = self._steps[step](gateway, current)
        current["log"] = [*current.get("log", []), {"step": step, "at": _iso(started),
                                                    "dry_run": bool(current.get("dry_run"))}]
        return current

    def _dry_run_reason(self, state: Mapping[str, Any]) -> str | None:
        if state.get("dry_run") is True:
            return "dry_run requested"
        if self._global_safe_mode:
            return "SAFE_MODE setting"
        try:
            return "SAFE_MODE flag" if self._safe_mode.is_on() else None
        except ServiceUnavailable:
            return "SAFE_MODE flag unreadable (cache unavailable): assumed on"

    def _dry(self, step: str, state: State) -> State:
        """What the step would do, recorded; the instance is only described (in ``prepare``)."""
        if step == "prepare":
            gateway = self._cloud.open(state["role_arn"], str(state.get("external_id") or ""), state["region"])
            return self._prepare(gateway, state)
        if step == "check_stopped":
            state["stopped"] = True
        state.setdefault("would", []).append(step)
        return state

    # ---- steps ---------------------------------------------------------------------------------------
    def _prepare(self, gateway: SwitchGateway | None, state: State) -> State:
        assert gateway is not None
        facts = gateway.describe(state["instance_id"])
        if facts.state != "running":
            raise InvalidInput(f"instance {facts.instance_id} is {facts.state}, not running", field="instance_id")
        if facts.lifecycle == "spot":
            raise InvalidInput(f"instance {facts.instance_id} already runs on Spot", field="instance_id")
        state["instance"] = asdict(facts)
        state["stopped"] = False
        state["telemetry"] = {"started_at": _iso(self._clock.now())}
        return state

    def _stop(self, gateway: SwitchGateway | None, state: State) -> State:
        assert gateway is not None
        state["telemetry"]["stop_requested_at"] = _iso(self._clock.now())
        gateway.stop(state["instance_id"])
        state["stopped"] = False
        return state

    def _check_stopped(self, gateway: SwitchGateway | None, state: State) -> State:
        assert gateway is not None
        facts = gateway.describe(state["instance_id"])
        state["stopped"] = facts.state == "stopped"
        if state["stopped"]:
            state["telemetry"]["stopped_at"] = _iso(self._clock.now())
        return state

    def _launch_spot(self, gateway: SwitchGateway | None, state: State) -> State:
        assert gateway is not None
        facts = InstanceFacts(**state["instance"])
        snapshot = None
        if facts.root_volume_id:
            snapshot = state.get("snapshot_id") or gateway.snapshot_root(
                facts.root_volume_id, f"SpotHive live switch {state['experiment_id']}")
            state["snapshot_id"] = snapshot
        state["telemetry"]["launch_requested_at"] = _iso(self._clock.now())
        state["spot_instance_id"] = gateway.launch_spot(facts, snapshot, state["experiment_id"])
        return state

    def _verify(self, gateway: SwitchGateway | None, state: State) -> State:
        assert gateway is not None
        spot = gateway.describe(state["spot_instance_id"])
        if spot.state != "running" or spot.lifecycle != "spot":
            raise SwitchFailed(f"Spot instance {spot.instance_id} is {spot.state} ({spot.lifecycle})")
        state["telemetry"]["running_at"] = _iso(self._clock.now())
        state["verified"] = True
        return state

    def _rollback(self, gateway: SwitchGateway | None, state: State) -> State:
        assert gateway is not None
        try:
            current = gateway.describe(state["instance_id"]).state
            if current in ("stopped", "stopping"):
                gateway.start(state["instance_id"])
            state["rolled_back"] = True
        except DependencyFailed as exc:  # record what happened rather than fail the record step
            state["rolled_back"] = False
            state["rollback_error"] = exc.message
        return state

    # ---- record --------------------------------------------------------------------------------------
    def _record(self, state: State) -> State:
        """Telemetry (durations, prices, outcome) into ``lab-experiments``; the state says the outcome."""
        now = self._clock.now()
        telemetry = dict(state.get("telemetry") or {})
        telemetry["finished_at"] = _iso(now)
        instance = state.get("instance") or {}
        if state.get("dry_run"):
            outcome = "dry_run"
        elif state.get("error"):
            outcome = "rolled_back" if state.get("rolled_back") else "failed"
        else:
            outcome = "switched"
        catalog = self._catalogs.catalog()
        itype, zone = instance.get("instance_type"), instance.get("zone")
        prices = {
            "on_demand_per_hour": catalog.price(itype, "on-demand", None) if itype else None,
            "spot_per_hour": catalog.price(itype, "spot", zone) if itype else None,
        }
        item = {
            "experiment_id": state["experiment_id"], "kind": "live-switch", "status": outcome,
            "model_id": str(state.get("model_id") or "none"), "created_at": telemetry.get("started_at", _iso(now)),
            "instance_id": state["instance_id"], "spot_instance_id": state.get("spot_instance_id"),
            "telemetry": {**telemetry, "durations_s": _durations(telemetry), "prices": prices,
                          "dry_run": state.get("dry_run"), "would": state.get("would", []),
                          "steps": state.get("log", []), "error": error_summary(state.get("error"))},
        }
        self._lab.save(state["experiment_id"], item)
        state["outcome"] = outcome
        return state


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _durations(telemetry: Mapping[str, Any]) -> dict[str, float]:
    """Seconds between the recorded milestones that exist."""
    spans = {"stop": ("stop_requested_at", "stopped_at"), "launch": ("launch_requested_at", "running_at"),
             "total": ("started_at", "finished_at")}
    out: dict[str, float] = {}
    for name, (start, end) in spans.items():
        if telemetry.get(start) and telemetry.get(end):
            delta = datetime.fromisoformat(telemetry[end]) - datetime.fromisoformat(telemetry[start])
            out[name] = round(delta.total_seconds(), 3)
    return out
