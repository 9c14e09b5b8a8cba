"""CPU utilization of customer instances through CloudWatch ``GetMetricData``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from spothive.adapters.aws.clients import Session, client
from spothive.domain.errors import DependencyFailed
from spothive.domain.utilization import METRIC, NAMESPACE, PERIOD_S, batches


class CloudWatchMixin:
    """``cpu_utilization`` on an assumed session (``self._session``)."""

    _session: Session

    def cpu_utilization(
        self, region: str, instance_ids: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, list[tuple[datetime, float]]]:
        """One GetMetricData call (and its NextToken pages) per 500 instances, 5-minute averages."""
        cw: Any = client("cloudwatch", region, self._session)
        out: dict[str, list[tuple[datetime, float]]] = {i: [] for i in instance_ids}
        for batch in batches(list(instance_ids)):
            queries = [{
                "Id": f"m{n}", "ReturnData": True,
                "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": METRIC,
                                          "Dimensions": [{"Name": "InstanceId", "Value": instance_id}]},
                               "Period": PERIOD_S, "Stat": "Average"},
            } for n, instance_id in enumerate(batch)]
            try:
                for page in cw.get_paginator("get_metric_data").paginate(
                        MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"):
                    for result in page["MetricDataResults"]:
                        samples = out[batch[int(result["Id"][1:])]]
                        samples.extend(zip(result.get("Timestamps", []), (float(v) for v in result.get("Values", [])),
                                           strict=False))
            except ClientError as exc:
                error = exc.response["Error"]
                raise DependencyFailed(
                    f"could not read CloudWatch in {region}: {error.get('Code')}: {error.get('Message')}") from exc
        return out
