"""Given the local stack, a worker event that keeps failing is retried and lands in its dead-letter queue."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from spothive import topology
from spothive.local.ticker import Ticker

pytestmark = pytest.mark.integration


class Boom(RuntimeError):
    """The worker's failure in these tests."""


def failing(calls: list):
    def handler(event, context):
        calls.append(event)
        raise Boom(f"cannot handle {event.get('id')}")
    return handler


@pytest.fixture
def stack(local_stack):
    local_stack.reset()
    yield local_stack
    local_stack.reset()


def test_every_async_worker_has_its_own_queue_wired_like_aws(stack):
    # Given the provisioned stack
    provisioned = stack.provisioned
    async_names = {s.name for s in topology.ALL_FUNCTIONS if s.async_invoked}
    # Then each async worker has one queue, named for it, and nothing else has one
    assert set(provisioned.dead_letters) == async_names
    assert len(set(provisioned.dead_letters.values())) == len(async_names)
    sqs, lam, events = stack.client("sqs"), stack.client("lambda"), stack.client("events")
    arn = {n: sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
           for n, u in provisioned.dead_letters.items()}
    for name in async_names:
        config = lam.get_function_event_invoke_config(FunctionName=name)
        assert config["MaximumRetryAttempts"] == topology.ASYNC_RETRIES
        assert config["MaximumEventAgeInSeconds"] == topology.ASYNC_MAX_EVENT_AGE_S
    # And every rule's target dead-letters into its function's queue after the topology's retries
    for rule in [*(f"spothive-{s.name}" for s in topology.SCHEDULES), "spothive-spot-events"]:
        (target,) = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert target["DeadLetterConfig"] == {"Arn": arn[target["Id"]]}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] == topology.ASYNC_RETRIES


def test_a_failing_spot_event_is_retried_then_dead_lettered_and_redriven(stack):
    calls: list = []
    delivery = stack.delivery
    # Given worker-spot-events fails on every event
    # When EventBridge (emit_spot_event) delivers an interruption warning
    with stack.registry.override({"worker-spot-events": failing(calls)}), pytest.raises(Boom):
        stack.emit_spot_event("i-0deadbeef")
    # Then it ran once plus its retries, with the same event each time
    assert len(calls) == 1 + topology.ASYNC_RETRIES
    assert len({c["id"] for c in calls}) == 1
    # And the event sits in that worker's queue, with Lambda's attributes, and in no other queue
    assert delivery.depth("worker-spot-events") == 1
    assert all(delivery.depth(n) == 0 for n in stack.provisioned.dead_letters if n != "worker-spot-events")
    (letter,) = delivery.dead_letters("worker-spot-events")
    assert letter.event == calls[0]
    assert letter.event["detail"]["instance-id"] == "i-0deadbeef"
    assert letter.error_message == f"Boom: cannot handle {calls[0]['id']}"
    assert letter.request_id
    # When the worker is fixed and the queue redriven (once the received message is visible again)
    stack.client("sqs").change_message_visibility(
        QueueUrl=stack.provisioned.dead_letters["worker-spot-events"], ReceiptHandle=letter.receipt_handle,
        VisibilityTimeout=0)
    seen: list = []
    with stack.registry.override({"worker-spot-events": lambda event, context: seen.append(event) or {"ok": 1}}):
        assert delivery.redrive("worker-spot-events") == (1, 0)
    # Then the very event ran again and the queue is empty
    assert seen == [calls[0]]
    assert delivery.depth("worker-spot-events") == 0


def test_a_failing_scheduled_run_from_the_ticker_lands_in_its_queue(stack):
    calls: list = []
    ticker = Ticker([s for s in topology.SCHEDULES if s.name == "prices"], stack.deliver,
                    rule_arns=stack.provisioned.rules)
    with stack.registry.override({"worker-prices": failing(calls)}):
        (run,) = ticker.tick(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    assert not run.ok and run.error.startswith("Boom")
    (letter,) = stack.delivery.dead_letters("worker-prices")
    assert letter.event["resources"] == [stack.provisioned.rules["prices"]]
    assert letter.event["detail-type"] == "Scheduled Event"


def test_an_event_invoke_of_discovery_dead_letters_in_the_background(stack):
    calls: list = []
    with stack.registry.override({"worker-discovery": failing(calls)}):
        # When api-connect's trigger invokes discovery with InvocationType=Event
        response = stack.client("lambda").invoke(FunctionName="worker-discovery", InvocationType="Event",
                                                 Payload=json.dumps({"id": "scan-1", "account_id": "a-1"}))
        assert response["StatusCode"] == 202
        deadline = time.monotonic() + 20
        while stack.delivery.depth("worker-discovery") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    # Then the invoke returned at once and the event reached the queue after the retries
    (letter,) = stack.delivery.dead_letters("worker-discovery")
    assert letter.event == {"id": "scan-1", "account_id": "a-1"}
    assert len(calls) == 1 + topology.ASYNC_RETRIES


def test_a_synchronous_function_is_invoked_once_and_never_dead_lettered(stack):
    calls: list = []
    with stack.registry.override({"opt-decide": failing(calls)}), pytest.raises(Boom):
        stack.deliver("opt-decide", {"id": "job-1"})
    assert len(calls) == 1
    assert "opt-decide" not in stack.provisioned.dead_letters
