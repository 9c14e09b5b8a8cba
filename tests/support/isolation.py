"""Keeps the pure suites pure: no moto, no Redis, no network.

``install`` (from ``tests/unit/conftest.py``, once a session collected only pure tests) makes importing
``moto`` fail, refuses TCP connections to anything but loopback and to the Redis ports on loopback, and
refuses to start ``redis-server``; a test that still needed them fails naming what it reached for.
"""

from __future__ import annotations

import importlib.abc
import ipaddress
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

BLOCKED_MODULES = frozenset({"moto"})
#: Where a Redis (or Valkey) server listens by default and in the local stack.
REDIS_PORTS = range(6379, 6390)
PURE_SUITES = ("tests/unit", "tests/models")


class IsolationError(AssertionError):
    """A pure test reached for moto, Redis or the network."""


class RefuseModules(importlib.abc.MetaPathFinder):
    """Fails the import of a blocked top-level package (already-imported ones are checked by ``install``)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> None:
        if fullname.partition(".")[0] in BLOCKED_MODULES:
            raise IsolationError(f"{fullname} is not available to pure tests: use tests/support/fakes")
        return None


def check_address(address: Any) -> None:
    """Raise ``IsolationError`` for a TCP address a pure test must not reach."""
    if not isinstance(address, tuple) or len(address) < 2:
        return  # a Unix socket path
    host, port = str(address[0]), int(address[1])
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise IsolationError(f"pure tests do not use the network: connection to {host}:{port}")
    if port in REDIS_PORTS:
        raise IsolationError(f"pure tests do not use Redis: connection to {host}:{port}")


def _guarded(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check_address(address)
        return original(self, address)

    return connect


def _guarded_popen(original: Any) -> Any:
    def init(self: subprocess.Popen, args: Any, *rest: Any, **kwargs: Any) -> None:  # type: ignore[type-arg]
        program = args if isinstance(args, str | bytes | os.PathLike) else (args[0] if args else "")
        if os.path.basename(os.fsdecode(program)).split()[0] == "redis-server":
            raise IsolationError("pure tests do not start redis-server")
        original(self, args, *rest, **kwargs)

    return init


_installed = False


def install() -> None:
    """Block moto, Redis and the network for the rest of this process."""
    global _installed
    if _installed:
        return
    loaded = sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED_MODULES)
    if loaded:
        raise IsolationError(f"imported before the pure tests ran: {', '.join(loaded[:3])}")
    sys.meta_path.insert(0, RefuseModules())
    socket.socket.connect = _guarded(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(socket.socket.connect_ex)  # type: ignore[method-assign]
    subprocess.Popen.__init__ = _guarded_popen(subprocess.Popen.__init__)  # type: ignore[method-assign]
    _installed = True


def installed() -> bool:
    """Whether ``install`` ran in this process."""
    return _installed


def only_pure(paths: Sequence[str], root: str) -> bool:
    """Whether every collected test file lies in a pure suite."""
    prefixes = tuple(os.path.join(root, s) + os.sep for s in PURE_SUITES)
    return bool(paths) and all(p.startswith(prefixes) for p in paths)
