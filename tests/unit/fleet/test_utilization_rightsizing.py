"""CPU histograms from CloudWatch samples and EC2 right-sizing from them: exact figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.rightsizing_ec2 import recommend_ec2
from spothive.domain.utilization import FULL_WINDOW, UtilizationHistogram, batches, read_window

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CATALOG = Catalog({t.name: t for t in (
    InstanceType.build("m5.xlarge", 4, 16384, ondemand_price=0.192),
    InstanceType.build("m5.large", 2, 8192, ondemand_price=0.096),
    InstanceType.build("m6i.large", 2, 8192, ondemand_price=0.096),
    InstanceType.build("c5.large", 2, 4096, ondemand_price=0.085),
    InstanceType.build("t3.large", 2, 8192, ondemand_price=0.0832),
    InstanceType.build("m6g.large", 2, 8192, arch="arm64", ondemand_price=0.077),
    InstanceType.build("r5.large", 2, 16384, ondemand_price=0.126),
    InstanceType.build("c5.xlarge", 4, 8192, ondemand_price=0.17),
)})


def history(count: int, busy: float, peak_share: int = 0, peak: float = 80.0) -> UtilizationHistogram:
    """``count`` 5-minute samples ending at NOW: ``peak_share`` of them at ``peak`` %, the rest at ``busy`` %."""
    samples = [(NOW - timedelta(minutes=5 * i), peak if i < peak_share else busy) for i in range(count)]
    return UtilizationHistogram().merged(samples, NOW)


def test_a_histogram_counts_by_day_and_bucket_and_reads_a_conservative_p95():
    h = history(FULL_WINDOW, 27.0, peak_share=201)
    assert h.samples == FULL_WINDOW and h.coverage() == 1.0
    assert h.totals()[5] == FULL_WINDOW - 201 and h.totals()[16] == 201
    assert h.percentile(0.95) == 30.0  # 3831 of 4032 samples are at most 30 %
    assert history(FULL_WINDOW, 27.0, peak_share=202).percentile(0.95) == 85.0
    assert len(h.days) == 15  # 14 days of 5-minute samples ending at noon touch 15 calendar days


def test_merging_skips_samples_already_counted_and_drops_days_past_the_window():
    h = history(10, 40.0)
    again = h.merged([(NOW, 90.0), (NOW + timedelta(minutes=5), 90.0)], NOW + timedelta(minutes=5))
    assert (again.samples, again.through, again.totals()[18]) == (11, NOW + timedelta(minutes=5), 1)
    later = again.merged([], NOW + timedelta(days=15))
    assert later.days == {}
    assert read_window(later, NOW + timedelta(days=15)) == (NOW + timedelta(days=1), NOW + timedelta(days=15))
    # the next read starts one period after the newest sample and ends where the current period begins
    assert read_window(again, NOW + timedelta(minutes=33)) == (NOW + timedelta(minutes=10), NOW + timedelta(minutes=30))
    assert read_window(None, NOW + timedelta(seconds=59)) == (NOW - timedelta(days=14), NOW)


def test_metric_queries_go_500_to_a_call():
    ids = [f"i-{n:05d}" for n in range(1201)]
    assert [len(b) for b in batches(ids)] == [500, 500, 201]
    with pytest.raises(ValueError, match="1 to 500"):
        batches(ids, 501)


def test_an_idle_xlarge_steps_down_one_size_in_its_family_with_the_monthly_saving():
    rec = recommend_ec2("i-1", "m5.xlarge", history(FULL_WINDOW, 27.0, peak_share=201), CATALOG)
    # 4 vCPU x 30 % / 70 % = 1.714 vCPU and 7022 MiB in proportion: m5.large and m6i.large fit at $0.096,
    # the same family wins the tie; t3.large (burstable), c5.large (4 GiB) and m6g.large (arm64) do not fit
    assert (rec.target, rec.p95_cpu_percent, rec.needed_vcpu) == ("m5.large", 30.0, 1.714)
    assert (rec.hourly_before, rec.hourly_after, rec.monthly_saving) == (0.192, 0.096, 70.08)
    assert (rec.confidence, rec.confident) == (1.0, True)
    assert "same family, smaller size" in rec.reason


def test_a_memory_shaped_type_moves_to_a_cheaper_family_of_the_same_arch():
    rec = recommend_ec2("i-2", "r5.large", history(FULL_WINDOW, 14.0), CATALOG)
    # 2 vCPU x 15 % / 70 % = 0.429 vCPU, 3511 MiB: c5.large at $0.085 is the cheapest amd64 fit
    assert (rec.target, rec.needed_vcpu, rec.monthly_saving) == ("c5.large", 0.429, 29.93)
    assert "cheaper amd64 family" in rec.reason


def test_a_busy_instance_or_a_short_history_keeps_or_flags_its_type():
    busy = recommend_ec2("i-3", "m5.large", history(FULL_WINDOW, 66.0), CATALOG)
    short = recommend_ec2("i-4", "m5.xlarge", history(288, 27.0), CATALOG)
    unknown = recommend_ec2("i-5", "x9.huge", history(10, 1.0), CATALOG)
    assert (busy.target, busy.monthly_saving, busy.needed_vcpu) == (None, 0.0, 2.0)
    assert (short.target, short.confidence, short.confident) == ("m5.large", 0.071, False)
    assert (unknown.target, unknown.reason) == (None, "x9.huge is not in the priced catalog")
