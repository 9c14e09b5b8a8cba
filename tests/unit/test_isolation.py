"""The pure suites cannot reach moto, Redis or the network (when run on their own, as ``make unit`` does)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import pytest

from tests.support import isolation


def test_given_an_address_when_checked_then_only_loopback_off_the_redis_ports_passes():
    isolation.check_address(("127.0.0.1", 8080))
    isolation.check_address("/tmp/some.sock")
    with pytest.raises(isolation.IsolationError, match=re.escape("Redis: connection to 127.0.0.1:6379")):
        isolation.check_address(("127.0.0.1", 6379))
    with pytest.raises(isolation.IsolationError, match=re.escape("network: connection to 10.0.0.8:443")):
        isolation.check_address(("10.0.0.8", 443))


def test_given_the_blocked_packages_when_looked_up_then_the_finder_refuses_them():
    finder = isolation.RefuseModules()
    with pytest.raises(isolation.IsolationError, match=re.escape("moto.dynamodb is not available")):
        finder.find_spec("moto.dynamodb", None)
    assert finder.find_spec("boto3", None) is None


def test_when_only_pure_tests_run_then_moto_redis_and_the_network_are_blocked():
    if not isolation.installed():
        pytest.skip("the guard is installed only when a session collects nothing but tests/unit and tests/models")
    assert "moto" not in sys.modules
    with pytest.raises(isolation.IsolationError):
        __import__("moto")
    with socket.socket() as s, pytest.raises(isolation.IsolationError):
        s.connect(("127.0.0.1", 6379))
    with pytest.raises(isolation.IsolationError):
        subprocess.Popen(["redis-server", "--port", "0"])
