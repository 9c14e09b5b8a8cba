"""The local API believes X-Forwarded-For only from configured proxies, so rotating it cannot dodge per-IP limits."""

from __future__ import annotations

import json
import urllib.request

import pytest
from fastapi import FastAPI, Request

from spothive.local.api_server import ApiServer

pytestmark = pytest.mark.integration


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(request: Request) -> dict[str, str]:
        return {"client": request.client.host if request.client else ""}

    return app


def _client_seen(server: ApiServer, forwarded_for: str) -> str:
    request = urllib.request.Request(f"{server.url}/whoami", headers={"X-Forwarded-For": forwarded_for})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["client"])


@pytest.mark.parametrize(("trusted", "expected"), [("", "127.0.0.1"), ("10.0.0.1", "127.0.0.1"),
                                                     ("127.0.0.1", "203.0.113.9")])
def test_the_client_address_is_the_peer_unless_the_peer_is_a_trusted_proxy(trusted: str, expected: str) -> None:
    server = ApiServer(port=0, access_log=False, forwarded_allow_ips=trusted)
    try:
        server.start(_echo_app)
        seen = [_client_seen(server, "203.0.113.9"), _client_seen(server, "198.51.100.7")]
    finally:
        server.stop()

    assert seen[0] == expected
    if not trusted or trusted == "10.0.0.1":
        assert seen[1] == "127.0.0.1"  # a rotated header changes nothing
