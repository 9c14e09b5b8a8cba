"""The demo polls discovery with backoff, says what it waits for, and waits out a 429 instead of failing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from spothive.domain.rate_limits import DEFAULT
from spothive.local import demo


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _Accounts:
    """``GET /api/connect/accounts`` of an account whose scan finishes at ``done_at`` seconds."""

    def __init__(self, clock: _Clock, done_at: float) -> None:
        self.clock, self.done_at, self.calls = clock, done_at, []

    def call(self, method: str, path: str) -> list[dict[str, str]]:
        self.calls.append(self.clock.now)
        status = "active" if self.clock.now >= self.done_at else "scanning"
        return [{"account_id": "acc-1", "status": status, "message": ""}]


def test_a_slow_scan_is_polled_with_backoff_far_below_the_rate_limit() -> None:
    clock = _Clock()
    api = _Accounts(clock, done_at=110.0)
    lines: list[str] = []

    account = demo.wait_active(api, "acc-1", timeout=120.0, out=lines.append, sleep=clock.sleep, clock=clock)

    assert account["status"] == "active"
    # the old fixed 0.5 s poll made 220 requests here, tripping the 100/min default limit
    assert len(api.calls) < 35
    per_minute = max(sum(1 for t in api.calls if start <= t < start + 60) for start in api.calls)
    assert per_minute < DEFAULT.limit / 3
    assert max(b - a for a, b in zip(api.calls, api.calls[1:], strict=False)) <= demo.POLL_MAX
    assert lines and all("scanning" in line for line in lines)


def test_a_failed_scan_stops_the_demo_with_its_message() -> None:
    clock = _Clock()

    class Failed(_Accounts):
        def call(self, method: str, path: str) -> list[dict[str, str]]:
            return [{"account_id": "acc-1", "status": "failed", "message": "AssumeRole denied"}]

    with pytest.raises(demo.DemoError, match="AssumeRole denied"):
        demo.wait_active(Failed(clock, 0), "acc-1", out=lambda _: None, sleep=clock.sleep, clock=clock)


@pytest.fixture
def limited_once() -> Iterator[tuple[str, list[int]]]:
    """A server answering 429 (Retry-After: 2) to the first request and 200 after."""
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = 429 if not statuses else 200
            statuses.append(code)
            body = json.dumps({"error": {"code": "rate_limited"}} if code == 429 else {"ok": True}).encode()
            self.send_response(code)
            if code == 429:
                self.send_header("Retry-After", "2")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", statuses
    server.shutdown()
    server.server_close()


def test_a_429_is_waited_out_for_its_retry_after(limited_once: tuple[str, list[int]]) -> None:
    base, statuses = limited_once
    waits: list[float] = []
    api = demo._Api(base, sleep=waits.append, out=lambda _: None)

    assert api.call("GET", "/api/connect/accounts") == {"ok": True}
    assert statuses == [429, 200]
    assert waits == [2.0]
