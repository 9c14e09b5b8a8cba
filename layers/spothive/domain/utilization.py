"""CPU utilization from CloudWatch, kept as a compact histogram per instance and day, 14 days long.

``AWS/EC2 CPUUtilization`` at a 5-minute period is 288 samples a day; each day keeps only how many
samples fell in each 5-percent bucket (20 counts), so 14 days of one instance are 300 small integers (15 calendar days)
whatever the sample count, and a day is dropped once it lies wholly before the window. A percentile is read as the
upper edge of the bucket where the cumulative count reaches it (conservative: never below the truth).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

BUCKETS = 20
BUCKET_WIDTH = 100 / BUCKETS
PERIOD_S = 300
WINDOW_DAYS = 14
SAMPLES_PER_DAY = 86400 // PERIOD_S
FULL_WINDOW = WINDOW_DAYS * SAMPLES_PER_DAY
#: GetMetricData accepts at most 500 queries a call.
MAX_QUERIES = 500
NAMESPACE, METRIC = "AWS/EC2", "CPUUtilization"


def bucket_of(percent: float) -> int:
    """The bucket of a CPU percentage (100 % lands in the last bucket)."""
    return min(BUCKETS - 1, max(0, int(percent // BUCKET_WIDTH)))


@dataclass(frozen=True, slots=True)
class UtilizationHistogram:
    """Per UTC day (``YYYY-MM-DD``), the count of 5-minute CPU samples in each 5 % bucket."""

    days: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    through: datetime | None = None  # the newest sample's time, where the next read starts

    @property
    def samples(self) -> int:
        """Samples in the window."""
        return sum(sum(c) for c in self.days.values())

    def merged(self, samples: Iterable[tuple[datetime, float]], now: datetime) -> UtilizationHistogram:
        """The histogram with new ``(timestamp, percent)`` samples added and days past the window dropped."""
        days = {d: list(c) for d, c in self.days.items()}
        prior = through = self.through
        for ts, value in samples:
            if prior is not None and ts <= prior:
                continue  # already counted (reads overlap by design)
            days.setdefault(ts.astimezone(UTC).date().isoformat(), [0] * BUCKETS)[bucket_of(value)] += 1
            through = ts if through is None or ts > through else through
        oldest = (now - timedelta(days=WINDOW_DAYS)).astimezone(UTC).date().isoformat()
        return UtilizationHistogram({d: tuple(c) for d, c in sorted(days.items()) if d >= oldest}, through)

    def totals(self) -> list[int]:
        """Counts per bucket over the whole window."""
        out = [0] * BUCKETS
        for counts in self.days.values():
            for i, c in enumerate(counts):
                out[i] += c
        return out

    def percentile(self, q: float) -> float | None:
        """Upper edge (in %) of the bucket where the cumulative share reaches ``q``; ``None`` without samples."""
        totals = self.totals()
        n = sum(totals)
        if n == 0:
            return None
        need, acc = math.ceil(q * n), 0
        for i, count in enumerate(totals):
            acc += count
            if acc >= need:
                return (i + 1) * BUCKET_WIDTH
        return 100.0

    def coverage(self) -> float:
        """Share of a full 14-day window of samples that is present (0-1)."""
        return min(1.0, self.samples / FULL_WINDOW)


def aligned(t: datetime) -> datetime:
    """``t`` floored to a 5-minute boundary (UTC): CloudWatch periods start there."""
    utc = t.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % (PERIOD_S // 60), second=0, microsecond=0)


def read_window(histogram: UtilizationHistogram | None, now: datetime) -> tuple[datetime, datetime]:
    """The next read: from the period after the newest sample kept (at most 14 days back) to the start of
    the current period, so only complete periods are read and none twice."""
    end = aligned(now)
    floor = end - timedelta(days=WINDOW_DAYS)
    if histogram is None or histogram.through is None or histogram.through < floor:
        return floor, end
    return min(end, aligned(histogram.through) + timedelta(seconds=PERIOD_S)), end


def batches(instance_ids: Sequence[str], size: int = MAX_QUERIES) -> list[list[str]]:
    """Instance ids in groups of at most ``size``: one GetMetricData call (and its pages) per group."""
    if not 1 <= size <= MAX_QUERIES:
        raise ValueError(f"a GetMetricData call takes 1 to {MAX_QUERIES} queries")
    return [list(instance_ids[i:i + size]) for i in range(0, len(instance_ids), size)]
