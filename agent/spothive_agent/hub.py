"""The agent's HTTPS client for the SpotHive hub (contract: docs/agent.md, schemas/)."""

from __future__ import annotations

import gzip
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from spothive_agent import __version__

Obj = dict[str, Any]
log = logging.getLogger("spothive_agent.hub")
GZIP_MIN_BYTES = 4096


class HubError(Exception):
    """A hub call failed: ``status`` is the HTTP status, 0 when the hub could not be reached."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"hub {status or 'unreachable'}: {message}")
        self.status = status
        self.message = message


@dataclass(slots=True)
class HubTraffic:
    """What the agent sent the hub: requests and bytes on the wire, by endpoint."""

    requests: int = 0
    bytes_sent: int = 0
    by_endpoint: dict[str, list[int]] = field(default_factory=dict)

    def count(self, endpoint: str, nbytes: int) -> None:
        """Record one request of ``nbytes`` (body plus headers)."""
        self.requests += 1
        self.bytes_sent += nbytes
        entry = self.by_endpoint.setdefault(endpoint, [0, 0])
        entry[0] += 1
        entry[1] += nbytes


class TokenSource:
    """The agent token from a Secret file (re-read when it changes, so rotation needs no restart) or a string."""

    def __init__(self, token: str | None = None, token_file: str | None = None) -> None:
        self._token, self._file = token, Path(token_file) if token_file else None
        self._mtime: float | None = None

    def get(self) -> str:
        """The current token (``HubError`` 401 when there is none)."""
        if self._file is not None:
            try:
                mtime = self._file.stat().st_mtime
                if mtime != self._mtime:
                    self._token, self._mtime = self._file.read_text().strip(), mtime
            except OSError as exc:
                raise HubError(401, f"cannot read the agent token file {self._file}: {exc}") from exc
        if not self._token:
            raise HubError(401, "no agent token configured (SPOTHIVE_TOKEN_FILE or SPOTHIVE_TOKEN)")
        return self._token


class HubClient:
    """Heartbeat, snapshot, usage, spot signals, and the action queue (long-poll, ack, result)."""

    def __init__(self, base_url: str, tokens: TokenSource, cluster_id: str, *, timeout_s: float = 15.0,
                 gzip_bodies: bool = True, verify: bool | str = True, transport: httpx.BaseTransport | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._tokens, self._cluster = tokens, cluster_id
        self.gzip_bodies = gzip_bodies
        self.traffic = HubTraffic()
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s), verify=verify, transport=transport,
                                  headers={"User-Agent": f"spothive-agent/{__version__}",
                                           "X-SpotHive-Cluster": cluster_id})

    def close(self) -> None:
        """Close connections."""
        self._http.close()

    def _request(self, method: str, path: str, body: Any = None, *, params: Obj | None = None,
                 timeout_s: float | None = None, compress: bool = False, ok: tuple[int, ...] = (200, 201, 202, 204),
                 extra_headers: dict[str, str] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._tokens.get()}", **(extra_headers or {})}
        content = None
        if body is not None:
            content = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
            if compress and self.gzip_bodies and len(content) >= GZIP_MIN_BYTES:
                content = gzip.compress(content, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        timeout = httpx.Timeout(timeout_s) if timeout_s else httpx.USE_CLIENT_DEFAULT
        try:
            response = self._http.request(method, self._base + path, content=content, headers=headers,
                                          params=params, timeout=timeout)
        except httpx.HTTPError as exc:
            raise HubError(0, f"{method} {path}: {exc}") from exc
        finally:
            sent = len(content or b"") + sum(len(k) + len(v) + 4 for k, v in headers.items()) + len(path) + 64
            with self._lock:
                self.traffic.count(f"{method} {path.split('/actions/')[0]}" if "/actions/" in path
                                   else f"{method} {path}", sent)
        if headers.get("Content-Encoding") == "gzip" and response.status_code in (400, 415, 422):
            log.warning("the hub refused a gzip body (%s); sending uncompressed from now on", response.status_code)
            self.gzip_bodies = False
            return self._request(method, path, body, params=params, timeout_s=timeout_s, ok=ok,
                                 extra_headers=extra_headers)
        if response.status_code not in ok:
            raise HubError(response.status_code, _detail(response))
        return response

    def heartbeat(self, status: Obj) -> Obj:
        """``POST /api/agent/heartbeat``: alive, with the agent's status; the hub may answer ``safe_mode``."""
        reply: Obj = self._request("POST", "/api/agent/heartbeat", {"cluster_id": self._cluster, **status}).json()
        return reply

    def put_snapshot(self, snapshot: Obj) -> None:
        """``PUT /api/agent/snapshot``: the cluster snapshot (v2)."""
        self._request("PUT", "/api/agent/snapshot", snapshot, compress=True)

    def post_usage(self, usage: Obj) -> None:
        """``POST /api/agent/usage``: metrics.k8s.io samples for right-sizing."""
        self._request("POST", "/api/agent/usage", usage, compress=True)

    def post_signals(self, signals: list[Obj]) -> None:
        """``POST /api/agent/signals``: spot signals seen in the cluster (idempotent by signal id)."""
        self._request("POST", "/api/agent/signals", {"cluster_id": self._cluster, "signals": signals})

    def get_actions(self, wait_s: int) -> list[Obj]:
        """``GET /api/agent/actions?wait=N``: the actions pending for this cluster (long-poll up to N s)."""
        wait_s = max(0, min(int(wait_s), 30))  # the contract's range
        reply = self._request("GET", "/api/agent/actions", params={"wait": wait_s}, timeout_s=wait_s + 15).json()
        actions: list[Obj] = reply.get("actions") or []
        return actions

    def ack(self, action_id: str) -> bool:
        """``POST /api/agent/actions/{id}/ack``: True to execute; False when the hub says it was acknowledged already."""
        response = self._request("POST", f"/api/agent/actions/{action_id}/ack", {}, ok=(200, 409))
        if response.status_code == 409:
            return False
        return bool(response.json().get("execute", True))

    def post_result(self, action_id: str, result: Obj) -> None:
        """``POST /api/agent/actions/{id}/result`` (idempotent: a replay of the same result is a 200)."""
        self._request("POST", f"/api/agent/actions/{action_id}/result", result,
                      extra_headers={"Idempotency-Key": f"result-{action_id}"})


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("message") or body)[:300]
    return str(body)[:300]


def now_iso(moment: datetime) -> str:
    """ISO-8601 UTC for result timestamps."""
    return moment.isoformat().replace("+00:00", "Z")
