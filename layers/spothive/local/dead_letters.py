"""Asynchronous delivery as Lambda and EventBridge do it, with the same dead-letter queues, in moto.

On AWS an ``async_invoked`` function is retried :data:`~spothive.topology.ASYNC_RETRIES` times after
its first failure, then Lambda writes the event to the function's own SQS dead-letter queue (the body is
the event, the attributes ``RequestID``, ``ErrorCode`` and ``ErrorMessage``). Locally the ticker (in place of
EventBridge), :meth:`LocalStack.emit_spot_event` and ``InvocationType=Event`` invokes deliver through
:class:`AsyncDelivery`, which does the same against moto's SQS: one queue per ``async_invoked`` function,
created by :func:`create_dead_letter_queues` from the topology. Retries run at once (AWS waits about
one and two minutes between them); :meth:`AsyncDelivery.redrive` is the redrive path docs/deploy.md
describes for AWS (receive, invoke again, delete on success).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spothive import topology

LOG = logging.getLogger("spothive.local.dead_letters")

Invoke = Callable[[str, Any], Any]


def queue_name(prefix: str, function: str) -> str:
    """``<prefix>-<function>-dead-letters``."""
    return f"{prefix}-{function}-dead-letters"


def create_dead_letter_queues(sqs: Any, prefix: str) -> dict[str, str]:
    """Function name → queue URL, one queue per ``async_invoked`` function (idempotent), kept 14 days."""
    return {
        spec.name: sqs.create_queue(QueueName=queue_name(prefix, spec.name),
                                    Attributes={"MessageRetentionPeriod": str(14 * 24 * 3600)})["QueueUrl"]
        for spec in topology.ALL_FUNCTIONS if spec.async_invoked
    }


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered event as read back from its queue."""

    function: str
    event: Any
    request_id: str
    error_message: str
    receipt_handle: str


@dataclass
class AsyncDelivery:
    """``deliver(function, event)``: retries then the function's dead-letter queue for ``async_invoked``
    functions (``queues``); any other function is invoked once, its error raised to the caller."""

    invoke: Invoke
    sqs: Any
    queues: Mapping[str, str]
    retries: int = topology.ASYNC_RETRIES
    #: Function name → how many events were dead-lettered since start (what the CloudWatch alarm counts).
    counts: dict[str, int] = field(default_factory=dict)

    def deliver(self, function: str, event: Any) -> Any:
        """Invoke ``function``; after the last failed attempt dead-letter the event and re-raise the error."""
        if function not in self.queues:
            return self.invoke(function, event)
        request_id = str(uuid.uuid4())
        for attempt in range(self.retries + 1):
            try:
                return self.invoke(function, event)
            except Exception as exc:
                if attempt < self.retries:
                    LOG.info("%s failed (attempt %d of %d): %s", function, attempt + 1, self.retries + 1, exc)
                    continue
                self._dead_letter(function, event, request_id, exc)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _dead_letter(self, function: str, event: Any, request_id: str, exc: BaseException) -> None:
        self.sqs.send_message(
            QueueUrl=self.queues[function],
            MessageBody=json.dumps(event, default=str),
            MessageAttributes={
                "RequestID": {"DataType": "String", "StringValue": request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},  # the invoke succeeded, the code failed
                "ErrorMessage": {"DataType": "String", "StringValue": f"{type(exc).__name__}: {exc}"[:1024]},
            },
        )
        self.counts[function] = self.counts.get(function, 0) + 1
        LOG.warning("%s failed %d times; event dead-lettered (request %s): %s",
                    function, self.retries + 1, request_id, exc)

    def dead_letters(self, function: str, limit: int = 10) -> list[DeadLetter]:
        """Up to ``limit`` dead-lettered events of ``function`` (received: invisible for 30 s unless deleted)."""
        response = self.sqs.receive_message(QueueUrl=self.queues[function], MaxNumberOfMessages=min(limit, 10),
                                            MessageAttributeNames=["All"], VisibilityTimeout=30)
        out = []
        for message in response.get("Messages", []):
            attributes = message.get("MessageAttributes", {})
            out.append(DeadLetter(
                function=function, event=json.loads(message["Body"]),
                request_id=attributes.get("RequestID", {}).get("StringValue", ""),
                error_message=attributes.get("ErrorMessage", {}).get("StringValue", ""),
                receipt_handle=message["ReceiptHandle"],
            ))
        return out

    def redrive(self, function: str, limit: int = 10) -> tuple[int, int]:
        """Invoke ``function`` once more with each dead-lettered event; delete those that now succeed.

        Returns ``(redriven, still failing)``; a failing one stays in the queue (visible again in 30 s).
        """
        redriven = failing = 0
        for letter in self.dead_letters(function, limit):
            try:
                self.invoke(function, letter.event)
            except Exception as exc:
                failing += 1
                LOG.warning("redrive of %s (request %s) failed again: %s", function, letter.request_id, exc)
                continue
            self.sqs.delete_message(QueueUrl=self.queues[function], ReceiptHandle=letter.receipt_handle)
            redriven += 1
        return redriven, failing

    def depth(self, function: str) -> int:
        """``ApproximateNumberOfMessages`` of the function's queue (the alarm's metric on AWS)."""
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queues[function],
                                                   AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"])


def drain_queues(sqs: Any, queues: Mapping[str, str]) -> None:
    """Delete every message of every queue (the local stack's reset; PurgeQueue allows one call a minute)."""
    for url in queues.values():
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                              WaitTimeSeconds=0).get("Messages", []):
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
