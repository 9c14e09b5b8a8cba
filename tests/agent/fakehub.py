"""A fake SpotHive hub implementing the agent contract of docs/agent.md, for the agent's tests.

Usable as an ``httpx.MockTransport`` (in-process) or behind pytest-httpserver (for a real agent process)."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

Obj = dict[str, Any]


@dataclass
class FakeHub:
    token: str = "sh_agent_test"
    cluster_id: str = "c-123"
    down: bool = False
    actions: list[Obj] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    results: dict[str, Obj] = field(default_factory=dict)
    heartbeats: list[Obj] = field(default_factory=list)
    snapshots: list[Obj] = field(default_factory=list)
    usage: list[Obj] = field(default_factory=list)
    signals: dict[str, Obj] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    gzip_bodies: int = 0
    reply_extra: Obj = field(default_factory=dict)
    accept_gzip: bool = True

    def queue(self, action_id: str, kind: str, **params: Any) -> Obj:
        action = {"id": action_id, "type": kind, "params": params, "created_at": "2026-01-01T00:00:00Z"}
        self.actions.append(action)
        return action

    def dispatch(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Obj]:
        self.calls.append(f"{method} {path}")
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"detail": "unknown agent token"}
        if headers.get("x-spothive-cluster") not in (None, self.cluster_id):
            return 403, {"detail": "token belongs to another cluster"}
        if headers.get("content-encoding") == "gzip":
            if not self.accept_gzip:
                return 422, {"detail": "JSON decode error", "field": "body"}
            self.gzip_bodies += 1
            body = gzip.decompress(body)
        doc = json.loads(body) if body else {}
        if method == "POST" and path == "/api/agent/heartbeat":
            self.heartbeats.append(doc)
            return 200, {"cluster_id": self.cluster_id, "accepted": True, **self.reply_extra}
        if method == "PUT" and path == "/api/agent/snapshot":
            if not isinstance(doc.get("nodes"), list):
                return 422, {"detail": "nodes: required", "field": "nodes"}
            self.snapshots.append(doc)
            return 200, {"cluster_id": self.cluster_id, "accepted": True}
        if method == "POST" and path == "/api/agent/usage":
            self.usage.append(doc)
            return 202, {"accepted": True}
        if method == "POST" and path == "/api/agent/signals":
            new = [s for s in doc["signals"] if s["id"] not in self.signals]
            self.signals.update({s["id"]: s for s in doc["signals"]})
            return 202, {"accepted": len(new), "duplicates": len(doc["signals"]) - len(new)}
        if method == "GET" and path == "/api/agent/actions":
            pending = [a for a in self.actions if a["id"] not in self.acked and a["id"] not in self.results]
            return 200, {"actions": pending}
        parts = path.split("/")
        if len(parts) == 6 and parts[:4] == ["", "api", "agent", "actions"]:
            action_id, verb = parts[4], parts[5]
            if not any(a["id"] == action_id for a in self.actions):
                return 404, {"detail": f"action {action_id} not found", "field": "action_id"}
            if verb == "ack":
                if action_id in self.acked:
                    return 409, {"detail": "action already acknowledged", "state": "acknowledged"}
                self.acked.add(action_id)
                return 200, {"action_id": action_id, "state": "acknowledged", "execute": True}
            if verb == "result":
                first = action_id not in self.results
                self.results.setdefault(action_id, doc)
                return 200, {"action_id": action_id, "recorded": first}
        return 404, {"detail": f"no route {method} {path}"}

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("hub down", request=request)
        status, doc = self.dispatch(request.method, request.url.path, {k.lower(): v for k, v in request.headers.items()},
                                    request.content)
        return httpx.Response(status, json=doc)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)
