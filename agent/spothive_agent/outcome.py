"""What an action did: the result the agent reports, and the dry-run-aware way it changes the cluster."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spothive_agent import __version__
from spothive_agent.clock import Clock, rfc3339

Obj = dict[str, Any]
log = logging.getLogger("spothive_agent.actions")


@dataclass(slots=True)
class Outcome:
    """An action's result under construction (see schemas/result.schema.json)."""

    action: Obj
    clock: Clock
    dry_run: bool
    identity: str
    done: list[str] = field(default_factory=list)
    refused: list[Obj] = field(default_factory=list)
    would: list[str] = field(default_factory=list)
    details: Obj = field(default_factory=dict)
    started_at: str = ""

    def __post_init__(self) -> None:
        self.started_at = rfc3339(self.clock.now())

    def refuse(self, target: str, reason: str) -> None:
        """Something the action asked for that the agent will not do."""
        self.refused.append({"target": target, "reason": reason})

    def change(self, description: str, apply: Callable[[], Any], payload: Any = None) -> Any:
        """Carry out one mutation, or in dry-run mode only log and record exactly what it would be."""
        if self.dry_run:
            line = description + (f" {json.dumps(payload, sort_keys=True)}" if payload is not None else "")
            self.would.append(line)
            log.info("[DRY RUN] action %s would %s", self.action.get("id"), line)
            return None
        result = apply()
        self.done.append(description)
        log.info("action %s: %s", self.action.get("id"), description)
        return result

    def finish(self, status: str, reason: str) -> Obj:
        """The result document."""
        if self.dry_run and status == "done":
            status = "dry_run"
        result: Obj = {"action_id": str(self.action.get("id", "")), "type": str(self.action.get("type", "")),
                       "status": status, "reason": reason, "done": self.done, "refused": self.refused,
                       "dry_run": self.dry_run, "started_at": self.started_at,
                       "finished_at": rfc3339(self.clock.now()),
                       "agent": {"identity": self.identity, "version": __version__}}
        if self.would:
            result["would"] = self.would
        if self.details:
            result["details"] = self.details
        return result
