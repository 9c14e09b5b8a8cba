"""Helpers of the local-runtime tests."""

from __future__ import annotations

import socket


def port_is_free(port: int) -> bool:
    """Nothing listens there any more: a restarted server (SO_REUSEADDR, as all of ours) could bind it."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
