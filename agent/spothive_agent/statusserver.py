"""``/healthz`` (the agent loop is alive; JSON status) and ``/metrics`` (Prometheus) on one small HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StatusServer:
    """Serves the probes and metrics in a daemon thread."""

    def __init__(self, bind: str, port: int, status: Callable[[], tuple[bool, dict[str, Any]]],
                 metrics: Callable[[], bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.split("?")[0] in ("/healthz", "/readyz"):
                    healthy, body = status()
                    data, code, ctype = json.dumps(body).encode(), 200 if healthy else 503, "application/json"
                elif self.path.split("?")[0] == "/metrics":
                    data, code, ctype = metrics(), 200, "text/plain; version=0.0.4; charset=utf-8"
                else:
                    data, code, ctype = b'{"detail": "not found"}', 404, "application/json"
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer((bind, port), Handler)
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.httpd.server_address[1])

    def start(self) -> StatusServer:
        """Serve in the background."""
        threading.Thread(target=self.httpd.serve_forever, daemon=True, name="status-server").start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
