"""Worker and workflow runs from AWS: Lambda metrics in CloudWatch, executions in Step Functions, the
failure queue's depth in SQS. Locally the same Step Functions calls reach moto, and function runs come
from the local runtime's counters (:class:`LocalRunTelemetry`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from spothive.adapters.aws.clients import client
from spothive.adapters.memory.run_counters import RunCounters
from spothive.domain.worker_health import RunStats

#: Function runs are looked for this far back (1-minute Lambda metrics are kept 15 days).
LOOKBACK = timedelta(hours=24)
#: Running executions are counted up to this many (the light is red long before).
MAX_COUNTED = 1000


class _StepFunctionRuns:
    """Executions of the deployment's state machines (``name`` → ARN)."""

    def __init__(self, state_machine_arns: dict[str, str], dead_letter_urls: dict[str, str], region: str,
                 endpoint_url: str | None) -> None:
        self._arns = state_machine_arns
        self._dead_letters = dead_letter_urls
        self._sfn = client("stepfunctions", region, endpoint=endpoint_url)
        self._sqs = client("sqs", region, endpoint=endpoint_url)

    def failed_events(self, function: str) -> int:
        """Messages waiting in ``function``'s dead-letter queue (0 for a function without one)."""
        url = self._dead_letters.get(function)
        if not url:
            return 0
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        return int(attributes.get("ApproximateNumberOfMessages", 0))

    def state_machine_runs(self, state_machine: str, now: datetime) -> RunStats:
        """The newest executions (newest first), at most a page: last start, last success, last hour's failures."""
        arn = self._arns.get(state_machine)
        if not arn:
            return RunStats()
        executions = self._sfn.list_executions(stateMachineArn=arn, maxResults=100)["executions"]
        hour = now - timedelta(hours=1)
        recent = [e for e in executions if e["startDate"] >= hour]
        return RunStats(
            last_run=max((e["startDate"] for e in executions), default=None),
            last_success=max((e.get("stopDate") or e["startDate"] for e in executions
                              if e["status"] == "SUCCEEDED"), default=None),
            failures_last_hour=sum(1 for e in recent if e["status"] in ("FAILED", "TIMED_OUT", "ABORTED")),
            runs_last_hour=len(recent),
        )

    def running_executions(self, state_machine: str) -> int:
        arn = self._arns.get(state_machine)
        if not arn:
            return 0
        count = 0
        for page in self._sfn.get_paginator("list_executions").paginate(
                stateMachineArn=arn, statusFilter="RUNNING", PaginationConfig={"MaxItems": MAX_COUNTED}):
            count += len(page["executions"])
        return count


class AwsRunTelemetry(_StepFunctionRuns):
    """``RunTelemetry`` on CloudWatch (``AWS/Lambda`` Invocations and Errors), Step Functions and SQS."""

    def __init__(self, function_names: dict[str, str], state_machine_arns: dict[str, str],
                 dead_letter_urls: dict[str, str], region: str, endpoint_url: str | None = None) -> None:
        super().__init__(state_machine_arns, dead_letter_urls, region, endpoint_url)
        self._names = function_names
        self._cloudwatch = client("cloudwatch", region, endpoint=endpoint_url)

    def function_runs(self, function: str, now: datetime) -> RunStats:
        """Per-minute sums of Invocations and Errors over :data:`LOOKBACK`, newest first."""
        name = self._names.get(function, function)
        queries: list[dict[str, Any]] = [
            {"Id": metric.lower(), "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                           "Dimensions": [{"Name": "FunctionName", "Value": name}]},
                "Period": 60, "Stat": "Sum"}}
            for metric in ("Invocations", "Errors")]
        result = self._cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=now - LOOKBACK, EndTime=now,
                                                  ScanBy="TimestampDescending")["MetricDataResults"]
        series = {r["Id"]: dict(zip(r["Timestamps"], r["Values"], strict=True)) for r in result}
        invocations, errors = series.get("invocations", {}), series.get("errors", {})
        ran = [t for t, v in invocations.items() if v > 0]
        hour = now - timedelta(hours=1)
        return RunStats(
            last_run=max(ran, default=None),
            last_success=max((t for t in ran if invocations[t] > errors.get(t, 0)), default=None),
            failures_last_hour=int(sum(v for t, v in errors.items() if t >= hour)),
            runs_last_hour=int(sum(v for t, v in invocations.items() if t >= hour)),
        )


class LocalRunTelemetry(_StepFunctionRuns):
    """``RunTelemetry`` of the local stack: its own run counters, moto's executions and dead-letter queues."""

    def __init__(self, counters: RunCounters, state_machine_arns: dict[str, str], dead_letter_urls: dict[str, str],
                 region: str, endpoint_url: str | None) -> None:
        super().__init__(state_machine_arns, dead_letter_urls, region, endpoint_url)
        self._counters = counters

    def function_runs(self, function: str, now: datetime) -> RunStats:
        return self._counters.stats(function, now)
