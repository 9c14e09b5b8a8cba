"""Right-sizing (MOD-SIZE-01): VPA-style request recommendations from usage samples.

CPU: a decaying histogram (exponential buckets, samples weighted 2^(age/half-life)) read at a percentile
(p90) plus a safety margin. Memory: the peak plus a margin. Without ``min_history`` of samples the
recommendation is not confident and leaves requests as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from spothive.domain.packing.model import Snapshot

ContainerKey = tuple[str, str, str]  # namespace, pod, container


@dataclass(frozen=True, slots=True)
class SizingPolicy:
    """Percentile, margins, histogram shape and the history needed for a confident answer."""

    cpu_percentile: float = 0.90
    margin: float = 0.15
    half_life_s: float = 24 * 3600.0
    min_history_s: float = 24 * 3600.0
    cpu_first_bucket: float = 0.01  # cores
    memory_first_bucket: float = 10 * 2**20  # bytes
    bucket_growth: float = 1.05
    min_cpu_m: int = 10
    min_memory_mib: int = 16


class DecayingHistogram:
    """Exponential-bucket histogram whose sample weights double every half-life (newer samples count more)."""

    def __init__(self, first_bucket: float, growth: float, half_life_s: float, reference_ts: float) -> None:
        self.first, self.growth, self.half_life, self.ref = first_bucket, growth, half_life_s, reference_ts
        self.weights: dict[int, float] = {}
        self.total = 0.0

    def bucket(self, value: float) -> int:
        """Index of the bucket holding ``value``."""
        return int(math.log(max(value, 0.0) / self.first * (self.growth - 1) + 1, self.growth))

    def bucket_start(self, index: int) -> float:
        """Lower edge of bucket ``index``."""
        return self.first * (self.growth**index - 1) / (self.growth - 1)

    def add(self, value: float, ts: float, weight: float = 1.0) -> None:
        """Add a sample taken at ``ts`` (seconds)."""
        w = weight * 2 ** ((ts - self.ref) / self.half_life)
        k = self.bucket(value)
        self.weights[k] = self.weights.get(k, 0.0) + w
        self.total += w

    def percentile(self, q: float) -> float:
        """Upper edge of the bucket where the cumulative weight reaches ``q``."""
        if self.total <= 0:
            return 0.0
        acc = 0.0
        for k in sorted(self.weights):
            acc += self.weights[k]
            if acc >= q * self.total:
                return self.bucket_start(k + 1)
        return self.bucket_start(max(self.weights) + 1)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Requests recommended for one container, and whether there was enough history to trust them."""

    namespace: str
    pod: str
    container: str
    cpu_m: int
    memory_mib: int
    confident: bool
    history_s: float
    reason: str


def parse_prometheus_matrix(doc: Mapping[str, Any]) -> dict[ContainerKey, list[tuple[float, float]]]:
    """Series of a Prometheus range-query answer keyed by (namespace, pod, container)."""
    if doc.get("status") != "success" or doc.get("data", {}).get("resultType") != "matrix":
        raise ValueError("expected a successful Prometheus matrix result")
    out: dict[ContainerKey, list[tuple[float, float]]] = {}
    for series in doc["data"]["result"]:
        metric = series.get("metric", {})
        key = (str(metric.get("namespace", "")), str(metric.get("pod", "")), str(metric.get("container", "")))
        out.setdefault(key, []).extend((float(ts), float(v)) for ts, v in series.get("values", []))
    return out


def recommend(
    cpu_cores: Mapping[ContainerKey, Sequence[tuple[float, float]]],
    memory_bytes: Mapping[ContainerKey, Sequence[tuple[float, float]]],
    policy: SizingPolicy | None = None,
) -> list[Recommendation]:
    """One recommendation per container that has CPU or memory samples."""
    policy = policy or SizingPolicy()
    out: list[Recommendation] = []
    for key in sorted(set(cpu_cores) | set(memory_bytes)):
        cpu = list(cpu_cores.get(key, ()))
        mem = list(memory_bytes.get(key, ()))
        stamps = [ts for ts, _ in cpu + mem]
        history = max(stamps) - min(stamps) if stamps else 0.0
        cpu_m = policy.min_cpu_m
        if cpu:
            hist = DecayingHistogram(
                policy.cpu_first_bucket, policy.bucket_growth, policy.half_life_s, max(stamps)
            )
            for ts, value in cpu:
                hist.add(max(value, 0.0), ts)
            cpu_m = max(
                policy.min_cpu_m,
                math.ceil(hist.percentile(policy.cpu_percentile) * (1 + policy.margin) * 1000),
            )
        mem_mib = policy.min_memory_mib
        if mem:
            peak = max(v for _, v in mem)
            mem_mib = max(policy.min_memory_mib, math.ceil(peak * (1 + policy.margin) / 2**20))
        confident = history >= policy.min_history_s
        reason = (
            f"p{policy.cpu_percentile * 100:.0f} CPU and peak memory over {history / 3600:.1f} h "
            f"+{policy.margin:.0%} margin" + ("" if confident else " (not enough history: kept as is)")
        )
        out.append(Recommendation(key[0], key[1], key[2], cpu_m, mem_mib, confident, history, reason))
    return out


def apply_recommendations(snapshot: Snapshot, recs: Iterable[Recommendation]) -> Snapshot:
    """The snapshot with pod requests replaced by the sum of their confident recommendations."""
    per_pod: dict[tuple[str, str], list[int]] = {}
    for r in recs:
        if r.confident:
            acc = per_pod.setdefault((r.namespace, r.pod), [0, 0])
            acc[0] += r.cpu_m
            acc[1] += r.memory_mib
    pods = tuple(
        replace(p, cpu_m=per_pod[(p.namespace, p.name)][0], memory_mib=per_pod[(p.namespace, p.name)][1])
        if (p.namespace, p.name) in per_pod
        else p
        for p in snapshot.pods
    )
    return replace(snapshot, pods=pods)
