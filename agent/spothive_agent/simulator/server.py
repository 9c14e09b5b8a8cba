"""The simulator served as a subset of the Kubernetes HTTP API on loopback, for the real agent and adapter.

Served: list/watch of nodes, pods, PDBs, PersistentVolumes and Events; node and pod merge patches; the
eviction subresource (201/429/404); Leases (get/create/replace with 409 conflicts); Events; metrics.k8s.io
node and pod metrics; server-side apply of Karpenter NodePools and EC2NodeClasses; NodePool and NodeClaim
lists, merge patches and deletes (a deleted NodeClaim drains as Karpenter's termination controller does)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from spothive_agent.kube import Conflict, Gone, KubeError, NotFound
from spothive_agent.simulator.cluster import SimCluster

Obj = dict[str, Any]
LISTS = {
    "/api/v1/nodes": ("nodes", "NodeList", "v1"),
    "/api/v1/pods": ("pods", "PodList", "v1"),
    "/api/v1/persistentvolumes": ("pvs", "PersistentVolumeList", "v1"),
    "/api/v1/events": ("events", "EventList", "v1"),
    "/apis/policy/v1/poddisruptionbudgets": ("pdbs", "PodDisruptionBudgetList", "policy/v1"),
    "/apis/karpenter.sh/v1/nodepools": ("nodepools", "NodePoolList", "karpenter.sh/v1"),
    "/apis/karpenter.k8s.aws/v1/ec2nodeclasses": ("ec2nodeclasses", "EC2NodeClassList", "karpenter.k8s.aws/v1"),
    "/apis/karpenter.sh/v1/nodeclaims": ("nodeclaims", "NodeClaimList", "karpenter.sh/v1"),
}
NODE = re.compile(r"^/api/v1/nodes/([^/]+)$")
POD = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)$")
EVICTION = re.compile(r"^/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction$")
EVENTS = re.compile(r"^/api/v1/namespaces/([^/]+)/events$")
LEASES = re.compile(r"^/apis/coordination\.k8s\.io/v1/namespaces/([^/]+)/leases(?:/([^/]+))?$")
CUSTOM = re.compile(r"^/apis/(karpenter\.sh|karpenter\.k8s\.aws)/v1/(nodepools|ec2nodeclasses|nodeclaims)/([^/]+)$")
MERGE_PATCH = "application/merge-patch+json"


def status_body(code: int, message: str, reason: str, details: Obj | None = None) -> Obj:
    """A metav1.Status as the API server sends with errors."""
    body: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure" if code >= 300 else "Success",
                 "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


class SimServer:
    """A running HTTP server over a SimCluster, with a ticker thread that lets simulated time act."""

    def __init__(self, cluster: SimCluster, host: str = "127.0.0.1", port: int = 0, tick_s: float = 0.5) -> None:
        self.cluster = cluster
        self.requests: dict[str, int] = {}
        self.bytes_sent = 0
        self.stopping = threading.Event()
        handler = type("Handler", (_Handler,), {"sim": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._tick_s = tick_s
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SimServer:
        """Serve in background threads."""
        for target in (self.httpd.serve_forever, self._ticker):
            thread = threading.Thread(target=target, daemon=True, name=f"sim-{target.__name__}")
            thread.start()
            self._threads.append(thread)
        return self

    def _ticker(self) -> None:
        while not self.stopping.wait(self._tick_s):
            self.cluster.tick()

    def stop(self) -> None:
        """Stop serving and wake every open watch."""
        self.stopping.set()
        with self.cluster.store.changed:
            self.cluster.store.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()

    def write_kubeconfig(self, path: str | Path, namespace: str = "spothive-system") -> Path:
        """A kubeconfig pointing at this server (JSON is valid YAML)."""
        config = {"apiVersion": "v1", "kind": "Config", "current-context": "spothive-sim",
                  "clusters": [{"name": "spothive-sim", "cluster": {"server": self.url}}],
                  "users": [{"name": "spothive-sim", "user": {"token": "simulator"}}],
                  "contexts": [{"name": "spothive-sim",
                                "context": {"cluster": "spothive-sim", "user": "spothive-sim", "namespace": namespace}}]}
        target = Path(path)
        target.write_text(json.dumps(config, indent=2))
        return target

    def count(self, label: str, nbytes: int) -> None:
        """Count one request and the bytes sent back."""
        with self.cluster.store.lock:
            self.requests[label] = self.requests.get(label, 0) + 1
            self.bytes_sent += nbytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sim: SimServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    # ---- plumbing ------------------------------------------------------------------------------
    def _body(self) -> Obj:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            parsed: Obj = json.loads(raw or b"{}")
        except json.JSONDecodeError as exc:
            raise KubeError(400, f"invalid JSON body: {exc}", "BadRequest") from exc
        return parsed

    def _send(self, code: int, body: Obj | bytes, label: str) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.sim.count(label, len(data))

    def _error(self, exc: KubeError, label: str) -> None:
        self._send(exc.code or 500, status_body(exc.code or 500, exc.message, exc.reason or "InternalError"), label)

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        label = f"{method} {url.path}"
        try:
            self._route(method, url.path, query, label)
        except KubeError as exc:
            self._error(exc, label)
        except (KeyError, TypeError, ValueError) as exc:
            self._error(KubeError(422, f"unprocessable: {exc}", "Invalid"), label)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # ---- routes --------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, str], label: str) -> None:
        cluster = self.sim.cluster
        if method == "GET" and path in ("/version", "/healthz", "/readyz"):
            self._send(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-spothive-sim"}, label)
        elif method == "GET" and path in LISTS:
            kind, list_kind, api_version = LISTS[path]
            if query.get("watch") in ("1", "true"):
                self._watch(kind, query, label)
            else:
                items, rv = cluster.list_raw(kind)
                head = json.dumps({"kind": list_kind, "apiVersion": api_version, "metadata": {"resourceVersion": rv}})
                self._send(200, head[:-1].encode() + b', "items": ' + items + b"}", label)
        elif method == "GET" and path == "/apis/metrics.k8s.io/v1beta1/nodes":
            self._send(200, {"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
                             "items": cluster.node_metrics()}, label)
        elif method == "GET" and path == "/apis/metrics.k8s.io/v1beta1/pods":
            self._send(200, {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {},
                             "items": cluster.pod_metrics()}, label)
        elif m := NODE.match(path):
            node = cluster.get_node(m[1]) if method == "GET" else cluster.patch_node(m[1], self._body())
            self._send(200, node, label)
        elif (m := POD.match(path)) and method == "PATCH":
            self._send(200, cluster.patch_pod(m[1], m[2], self._body()), label)
        elif (m := EVICTION.match(path)) and method == "POST":
            self._body()
            self._evict(m[1], m[2], label)
        elif (m := EVENTS.match(path)) and method == "POST":
            event = self._body()
            cluster.create_event(m[1], event)
            self._send(201, event, label)
        elif m := LEASES.match(path):
            self._lease(method, m[1], m[2], label)
        elif (m := CUSTOM.match(path)) and method == "PATCH" and self.headers.get("Content-Type") == MERGE_PATCH:
            self._send(200, cluster.patch_karpenter(m[2], m[3], self._body()), label)
        elif (m := CUSTOM.match(path)) and method == "PATCH":
            body = self._body()
            self._send(200, cluster.apply(body, query.get("fieldManager", "unknown")), label)
        elif (m := CUSTOM.match(path)) and method == "GET":
            found = [o for o in cluster.list_karpenter(m[2]) if o["metadata"]["name"] == m[3]]
            if not found:
                raise NotFound(404, f'{m[2]}.{m[1]} "{m[3]}" not found', "NotFound")
            self._send(200, found[0], label)
        elif (m := CUSTOM.match(path)) and method == "DELETE":
            self._body()
            cluster.delete_karpenter(m[2], m[3])
            self._send(200, status_body(200, f"{m[2]} {m[3]} deleted", "Deleted"), label)
        else:
            raise NotFound(404, f"the server could not find the requested resource ({method} {path})", "NotFound")

    def _evict(self, namespace: str, name: str, label: str) -> None:
        result = self.sim.cluster.evict(namespace, name)
        if result.outcome == "evicted":
            self._send(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
                       label)
        elif result.outcome == "gone":
            self._send(404, status_body(404, f'pods "{name}" not found', "NotFound",
                                        {"name": name, "kind": "pods"}), label)
        else:
            self._send(429, status_body(429, "Cannot evict pod as it would violate the pod's disruption budget.",
                                        "TooManyRequests",
                                        {"causes": [{"reason": "DisruptionBudget", "message": result.message}]}), label)

    def _lease(self, method: str, namespace: str, name: str | None, label: str) -> None:
        cluster = self.sim.cluster
        if method == "GET" and name:
            lease = cluster.get_lease(namespace, name)
            if lease is None:
                raise NotFound(404, f'leases.coordination.k8s.io "{name}" not found', "NotFound")
            self._send(200, lease, label)
        elif method == "POST":
            self._send(201, cluster.create_lease(namespace, self._body()), label)
        elif method == "PUT" and name:
            self._send(200, cluster.replace_lease(namespace, self._body()), label)
        else:
            raise NotFound(404, "unsupported lease call", "NotFound")

    def _watch(self, kind: str, query: dict[str, str], label: str) -> None:
        timeout = min(float(query.get("timeoutSeconds") or 60), 600.0)
        since = query.get("resourceVersion") or ""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            if since in ("", "0"):
                items, since = self.sim.cluster.list_raw(kind)
                for obj in json.loads(items):
                    sent += self._chunk(json.dumps({"type": "ADDED", "object": obj}).encode())
            for line in self.sim.cluster.store.watch_lines(kind, since, timeout):
                if self.sim.stopping.is_set():
                    break
                sent += self._chunk(line)
        except Gone as exc:
            sent += self._chunk(json.dumps({"type": "ERROR", "object": status_body(410, exc.message, "Expired")}).encode())
        except (BrokenPipeError, ConnectionResetError):
            return
        except Conflict:
            pass
        self.wfile.write(b"0\r\n\r\n")
        self.sim.count(label + "?watch", sent)

    def _chunk(self, line: bytes) -> int:
        data = line + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
        return len(data)
