"""A scripted in-cluster agent for workflow tests: heartbeats, pulls its actions through the real agent
API with its token, acknowledges and reports each one as its script says (done by default)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from spothive.local.moto_server import execution_ended

Script = Callable[[dict[str, Any]], tuple[str, str] | None]


def result_body(action: dict[str, Any], status: str, reason: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {"action_id": action["id"], "type": action["type"], "status": status, "reason": reason,
            "done": [reason] if status == "done" else [], "refused": [], "dry_run": False,
            "started_at": now, "finished_at": now, "details": {"node": action["params"].get("node")}}


class AgentDouble:
    """Runs in the test's thread while the state machine runs in moto's."""

    def __init__(self, client: Any, token: str, cluster_id: str, cache: Any, script: Script | None = None) -> None:
        self.client, self.cache, self.cluster_id = client, cache, cluster_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.script = script or (lambda a: ("done", f"{a['type']} {a['params'].get('node')} done"))
        self.seen: list[dict[str, Any]] = []
        self.gone = False

    def beat(self) -> None:
        """A heartbeat through the hub's own route (it keys the beat by the token's org and cluster)."""
        beat = self.client.post("/api/agent/heartbeat", headers=self.headers,
                                json={"cluster_id": self.cluster_id, "mode": "active"})
        assert beat.status_code == 200, beat.text

    def step(self) -> None:
        """One poll: answer every queued action (an action the script answers ``None`` is left taken but silent)."""
        if self.gone:
            return
        self.beat()
        page = self.client.get("/api/agent/actions?wait=0", headers=self.headers)
        assert page.status_code == 200, page.text
        for action in page.json()["actions"]:
            answer = self.script(action)
            if answer is None:
                continue
            ack = self.client.post(f"/api/agent/actions/{action['id']}/ack", headers=self.headers)
            assert ack.status_code == 200, ack.text
            self.seen.append(action)
            status, reason = answer
            posted = self.client.post(f"/api/agent/actions/{action['id']}/result", headers=self.headers,
                                      json=result_body(action, status, reason))
            assert posted.status_code == 200, posted.text

    def run_until(self, stack: Any, execution_arn: str, timeout: float = 90.0) -> dict[str, Any]:
        """Answer actions until the execution leaves RUNNING; its description."""
        sfn = stack.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if execution_ended(described) or time.monotonic() > deadline:
                return described
            self.step()
            time.sleep(0.1)
