"""Right-sizing an EC2 instance from its CloudWatch CPU histogram (no agent, so no memory figure).

The vCPUs needed are what the p95 CPU uses today, sized so that p95 lands at most at ``TARGET_P95`` of
the new type; memory is kept in proportion (CloudWatch reports no memory without its agent, so the
memory per vCPU of the current type is the only safe assumption). Candidates are the same family's
smaller sizes and, with the same architecture, other families' types; burstable ``t`` families are
only candidates for an instance that is already burstable (a sustained load would run out of credits);
GPU and accelerator types only replace their own kind. The cheapest candidate cheaper than today wins,
the same family on a tie. Confidence is the share of the 14-day window the histogram covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.utilization import WINDOW_DAYS, UtilizationHistogram

HOURS_PER_MONTH = 730
TARGET_P95 = 0.70
PERCENTILE = 0.95
#: Below this share of 14 days of samples a recommendation is given but marked not confident.
CONFIDENT_COVERAGE = 0.5


@dataclass(frozen=True, slots=True)
class Ec2Recommendation:
    """What to run instead of ``current`` (``None`` target: keep it) and why."""

    instance_id: str
    current: str
    target: str | None
    p95_cpu_percent: float | None
    needed_vcpu: float | None
    hourly_before: float | None
    hourly_after: float | None
    monthly_saving: float
    confidence: float
    confident: bool
    reason: str


def _burstable(t: InstanceType) -> bool:
    return t.family.startswith("t") and t.family[1:2].isdigit()


def _fits(candidate: InstanceType, current: InstanceType, vcpu: float, memory_mib: float) -> bool:
    return (candidate.arch == current.arch and candidate.vcpu >= vcpu and candidate.memory_mib >= memory_mib
            and (candidate.gpus > 0) == (current.gpus > 0) and candidate.accelerator == current.accelerator
            and (not _burstable(candidate) or _burstable(current)))


def recommend_ec2(instance_id: str, instance_type: str, histogram: UtilizationHistogram,
                  catalog: Catalog) -> Ec2Recommendation:
    """The cheapest type that keeps p95 CPU under 70 % with memory in proportion, or keep the current one."""
    current = catalog.get(instance_type)
    p95 = histogram.percentile(PERCENTILE)
    coverage = round(histogram.coverage(), 3)
    confident = coverage >= CONFIDENT_COVERAGE
    if current is None or current.ondemand_price is None:
        return Ec2Recommendation(instance_id, instance_type, None, p95, None, None, None, 0.0, coverage, False,
                                 f"{instance_type} is not in the priced catalog")
    if p95 is None:
        return Ec2Recommendation(instance_id, instance_type, None, None, None, current.ondemand_price, None, 0.0,
                                 0.0, False, "no CloudWatch samples yet")
    needed = round(current.vcpu * p95 / 100 / TARGET_P95, 3)
    memory = current.memory_mib * min(1.0, needed / current.vcpu)
    candidates = [t for t in catalog.types.values() if t.ondemand_price is not None and t.name != current.name
                  and t.ondemand_price < current.ondemand_price and _fits(t, current, needed, memory)]
    best = min(candidates, key=lambda t: (t.ondemand_price, t.family != current.family, t.name), default=None)
    if best is None or best.ondemand_price is None:
        return Ec2Recommendation(instance_id, instance_type, None, p95, needed, current.ondemand_price,
                                 current.ondemand_price, 0.0, coverage, confident,
                                 f"p95 CPU {p95:.0f}% of {current.vcpu} vCPU needs {math.ceil(needed)} vCPU: "
                                 "no cheaper type fits")
    saving = round((current.ondemand_price - best.ondemand_price) * HOURS_PER_MONTH, 2)
    same = "same family, smaller size" if best.family == current.family else f"cheaper {best.arch} family"
    reason = (f"p95 CPU {p95:.0f}% of {current.vcpu} vCPU over {coverage * WINDOW_DAYS:.1f} days needs "
              f"{needed:g} vCPU at <=70%: {best.name} ({best.vcpu} vCPU, {best.memory_mib} MiB, {same})"
              + ("" if confident else " (under 7 days of samples: not confident)"))
    return Ec2Recommendation(instance_id, instance_type, best.name, p95, needed, current.ondemand_price,
                             best.ondemand_price, saving, coverage, confident, reason)

