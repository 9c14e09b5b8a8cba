"""Given a full LocalStack (API, ticker, moto, Redis), it serves and then stops everything it started."""

from __future__ import annotations

import json
import os
import socket
import threading
import urllib.request

import pytest

from spothive import topology
from spothive.local import dispatch
from spothive.local.runtime import LocalConfig, LocalStack
from tests.integration.local.helpers import port_is_free

pytestmark = pytest.mark.integration


def get(url):
    # generous: the first request imports the API app while the ticker runs its first round
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()




def test_stack_serves_the_api_fires_schedules_and_stops_cleanly(tmp_path):
    fired = threading.Event()
    events = []

    def hibernation(event, context):
        events.append(event)
        fired.set()
        return {"clusters": 0}

    before = os.environ.get("AWS_ENDPOINT_URL")
    dispatch_before = dispatch.installed()  # the session stack may be running
    config = LocalConfig.ephemeral(tmp_path, serve_api=True, ticker=True, ticker_speed=600)
    stack = LocalStack(config)
    # the other schedules answer at once, so the ticker's order of work cannot delay hibernation
    quiet = {s.function: (lambda event, context: {}) for s in topology.SCHEDULES if s.function != "worker-hibernation"}
    with stack.registry.override({"worker-hibernation": hibernation, **quiet}), stack:
        ports = (stack.api_port, stack.moto.port, stack.redis.port)
        health = get(f"{stack.api_url}/api/health")
        docs = get(f"{stack.api_url}/api/docs")
        spec = json.loads(get(f"{stack.api_url}/api/openapi.json")[1])
        ticked = fired.wait(timeout=20)
        endpoint_inside = os.environ["AWS_ENDPOINT_URL"]
        dispatch_during = dispatch.installed()

    assert health == (200, b'{"status":"ok"}')
    assert docs[0] == 200 and b"swagger" in docs[1].lower()
    assert spec["info"]["title"] == "SpotHive API"
    assert ticked
    assert events[0]["resources"] == [stack.provisioned.rules["hibernation"]]
    assert endpoint_inside == stack.provisioned.endpoint_url
    assert os.environ.get("AWS_ENDPOINT_URL") == before
    assert [port_is_free(p) for p in ports] == [True, True, True]
    assert stack.ticker is None and stack.api_port is None
    assert (dispatch_during, dispatch.installed()) == (True, dispatch_before)


def test_the_same_ports_and_data_dir_serve_again_after_a_stop(tmp_path):
    with LocalStack(LocalConfig.ephemeral(tmp_path, serve_api=True)) as first:
        ports = {"api_port": first.api_port, "moto_port": first.moto.port, "redis_port": first.redis.port}
        first.client("dynamodb").put_item(TableName="spothive-orgs", Item={"org_id": {"S": "org-1"}})

    with LocalStack(LocalConfig.ephemeral(tmp_path, serve_api=True, **ports)) as second:
        health = get(f"{second.api_url}/api/health")
        same = (second.api_port, second.moto.port, second.redis.port) == tuple(ports.values())
        tables = second.client("dynamodb").list_tables()["TableNames"]

    assert health[0] == 200
    assert same
    assert "spothive-orgs" in tables


def test_a_busy_port_fails_start_up_and_leaves_nothing_running(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        stack = LocalStack(LocalConfig.ephemeral(tmp_path, serve_api=True, api_port=taken))

        with pytest.raises(OSError, match="--api-port"):
            stack.start()

    assert stack.moto.port is None and stack.redis.port is None


def test_an_external_endpoint_is_used_not_started(local_stack, tmp_path):
    config = LocalConfig.ephemeral(tmp_path, aws_endpoint=local_stack.endpoint_url)

    with LocalStack(config) as stack:
        machines = stack.client("stepfunctions").list_state_machines()["stateMachines"]
        endpoint = os.environ["AWS_ENDPOINT_URL"]

    assert endpoint == local_stack.endpoint_url
    assert {m["name"] for m in machines} >= {"spothive-optimization"}
    assert local_stack.client("dynamodb").list_tables()["TableNames"]  # still served after the stop

