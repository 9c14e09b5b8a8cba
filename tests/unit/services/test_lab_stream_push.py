"""The live switch pushes each step to the sockets that follow its lab stream (the AWS path), on fakes:
exactly the messages each save adds, in the stream's own format; a gone socket is forgotten; a push that
fails never fails a step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from spothive.domain.streams import StreamKind
from spothive.domain.switch import InstanceFacts
from spothive.services.lab_experiments import LabExperiments
from spothive.services.live_switch import LiveSwitch
from spothive.services.streams import StreamService, Subscription
from tests.support.fakes import Fakes, FixedCatalogs, ScriptedEc2
from tests.support.fakes.jobs import RecordingWorkflows
from tests.support.fakes.streams import MemoryConnections, NoEventLog, RecordingPusher
from tests.unit.services.test_lab_parallel import ORG, A
from tests.unit.services.test_lab_parallel import world as world  # the fixture

ORIGINAL = InstanceFacts(A, "running", "m5.xlarge", "ami-1", "subnet-1", "us-east-1a", "on-demand", "/dev/xvda",
                         None)
STEPS = ["prepare", "stop", "check_stopped", "check_stopped", "detach_volumes", "check_detached", "launch_spot",
         "check_running", "attach_volumes", "verify"]


def streams_for(world: Fakes, pusher: RecordingPusher) -> tuple[StreamService, MemoryConnections]:
    connections = MemoryConnections()
    return StreamService(NoEventLog(), world.lab, world.tenancy, world.clock, connections=connections,
                         pusher=pusher), connections


def started(world: Fakes) -> dict[str, Any]:
    """A live switch of the org's instance as the API starts it: the record, and the state machine input."""
    workflows = RecordingWorkflows()
    experiment_id = LabExperiments(world.tenancy, world.inventory, world.lab, workflows, world.clock).start_live_switch(
        "admin:root", ORG, A)["experiment_id"]
    return dict(workflows.started[experiment_id])


def follow(streams: StreamService, connections: MemoryConnections, connection_id: str, experiment_id: str) -> None:
    sub = Subscription(StreamKind.LAB, experiment_id, ORG)
    streams.open_socket(connection_id, sub)
    assert connections.get(connection_id) is not None


def test_every_step_is_pushed_to_each_follower_once_in_order_then_the_outcome(world):
    # Given a started switch followed by two sockets
    pusher = RecordingPusher()
    streams, connections = streams_for(world, pusher)
    state = started(world)
    for connection_id in ("c-1", "c-2"):
        follow(streams, connections, connection_id, state["experiment_id"])
    service = LiveSwitch(ScriptedEc2(ORIGINAL), world.lab, FixedCatalogs(), world.safe_mode, world.clock,
                         publisher=streams)

    # When every step runs and the outcome is recorded
    for step in [*STEPS, "record"]:
        state = service.run(step, state)
        world.clock.advance(timedelta(seconds=2))

    # Then each socket got every step once, in order, then the status changes, as the polling GET gives them
    sent = pusher.sent["c-1"]
    assert pusher.sent["c-2"] == sent
    assert [m["data"]["step"] for m in sent if m["type"] == "step"] == STEPS
    assert [m["data"]["status"] for m in sent if m["type"] == "status"] == ["running", "switched"]
    assert sent[0]["type"] == "step" and sent[1] == {**sent[1], "type": "status", "cursor": "1:running"}
    assert [m["data"]["index"] for m in sent if m["type"] == "step"] == list(range(len(STEPS)))
    assert {m["stream"] for m in sent} == {f"lab:{state['experiment_id']}"}
    polled = streams.read(Subscription(StreamKind.LAB, state["experiment_id"], ORG), "0:starting").messages
    assert [(m.at, dict(m.data)) for m in polled if m.type == "step"] == [
        (m["at"], m["data"]) for m in sent if m["type"] == "step"]
    assert sent[-1]["cursor"] == state["stream_cursor"] == f"{len(STEPS)}:switched"
    # And the record keeps its org through every rewrite
    assert world.lab.get(state["experiment_id"])["org_id"] == ORG


def test_a_retried_step_resends_rather_than_skips_and_a_gone_socket_is_forgotten(world):
    pusher = RecordingPusher("c-gone")
    streams, connections = streams_for(world, pusher)
    state = started(world)
    follow(streams, connections, "c-1", state["experiment_id"])
    follow(streams, connections, "c-gone", state["experiment_id"])
    service = LiveSwitch(ScriptedEc2(ORIGINAL), world.lab, FixedCatalogs(), world.safe_mode, world.clock,
                         publisher=streams)

    after_prepare = service.run("prepare", state)
    # When the stop task is delivered twice from the same input (a Lambda retry)
    service.run("stop", after_prepare)
    service.run("stop", after_prepare)

    # Then the follower saw stop twice (cursors let it drop the copy) and never missed a step
    assert [(m["type"], m["cursor"]) for m in pusher.sent["c-1"]] == [
        ("step", "1:starting"), ("status", "1:running"), ("step", "2:running"), ("step", "2:running")]
    assert connections.get("c-gone") is None and "c-gone" not in pusher.sent


def test_a_failing_push_never_fails_the_step(world):
    class Broken:
        def lab_saved(self, record: Any, since: str) -> str:
            raise ConnectionError("stage unreachable")

    state = started(world)
    service = LiveSwitch(ScriptedEc2(ORIGINAL), world.lab, FixedCatalogs(), world.safe_mode, world.clock,
                         publisher=Broken())

    state = service.run("prepare", state)

    assert world.lab.get(state["experiment_id"])["telemetry"]["steps"][0]["step"] == "prepare"
    assert "stream_cursor" not in state


def test_without_a_websocket_stage_nothing_is_pushed_and_the_cursor_still_moves(world):
    streams = StreamService(NoEventLog(), world.lab, world.tenancy, world.clock)
    state = started(world)
    service = LiveSwitch(ScriptedEc2(ORIGINAL), world.lab, FixedCatalogs(), world.safe_mode, world.clock,
                         publisher=streams)

    assert service.run("prepare", state)["stream_cursor"] == "1:running"
