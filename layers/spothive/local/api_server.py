"""The FastAPI app under uvicorn, in a thread, on a socket bound before start-up (port 0 works)."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger("spothive.local.api")


def ensure_free(port: int, flag: str, host: str = "127.0.0.1") -> None:
    """Raise ``OSError`` naming ``flag`` when something listens on ``host:port`` (port 0 is always free)."""
    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(exc.errno, f"port {port} on {host} is in use; choose another with {flag}") from exc


class ApiServer:
    """Bind first (so the port is known before provisioning), then serve an app until :meth:`stop`."""

    def __init__(self, port: int = 8000, host: str = "127.0.0.1", access_log: bool = True,
                 console: bool = True, forwarded_allow_ips: str = "") -> None:
        self.host = host
        #: Also serve the web console at ``/`` and the API docs from local assets (``spothive.local.console``).
        self.console = console
        self.requested_port = port
        self.access_log = access_log
        #: Proxies whose ``X-Forwarded-For``/``-Proto`` are believed (comma-separated IPs or networks).
        #: Empty: none, the socket's peer is the client. uvicorn's own default trusts loopback, and since
        #: the API is served on loopback every caller could name any address and dodge the per-IP limits.
        self.forwarded_allow_ips = forwarded_allow_ips
        self.port: int | None = None
        self._socket: socket.socket | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` once bound."""
        if self.port is None:
            raise RuntimeError("the API is not being served")
        return f"http://{self.host}:{self.port}"

    def bind(self) -> int:
        """Bind and listen; the port."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError:
            sock.close()
            raise
        sock.listen(128)
        self._socket = sock
        self.port = int(sock.getsockname()[1])
        return self.port

    def start(self, app_factory: Callable[[], Any], timeout: float = 30.0) -> ApiServer:
        """Build the app (after the environment is set) and serve it from a thread."""
        import uvicorn

        if self._socket is None:
            self.bind()
        app = app_factory()
        if self.console:
            from spothive.local.console import with_console

            app = with_console(app)
        trusted = self.forwarded_allow_ips.strip()
        config = uvicorn.Config(app, log_level="info", access_log=self.access_log, lifespan="on",
                                proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [self._socket]},
                                        name="spothive-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.02)
        LOG.info("API on %s (docs at %s/api/docs)", self.url, self.url)
        return self

    def stop(self) -> None:
        """Ask uvicorn to finish, wait for it and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.close()
        self._server = self._thread = self._socket = None
        self.port = None
