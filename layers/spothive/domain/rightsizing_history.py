"""Right-sizing history of a cluster's workloads (MOD-SIZE-01): usage samples folded into decaying histograms.

A workload is a namespace and the controller that owns its pods (a Deployment, StatefulSet, DaemonSet or
Job; a bare pod is its own workload). Every pod's usage in a sample is one observation of its workload, so
replicas add up the way VPA's per-container aggregation does. Each workload keeps two exponential-bucket
histograms (CPU in millicores, memory in MiB; the bucket layout of ``SizingPolicy``) whose weights are kept in
units of a sample taken at ``ref`` (the newest observation): folding a newer sample rescales the stored weights
by ``2^(-Δt/half_life)`` first, so stored numbers never grow and an old bucket fades. A bucket drops out once
it is worth less than one observation ``WINDOW_S`` old (``2^(-window/half_life)``), which bounds both its age
and the number of buckets; bucket indexes are capped (``MAX_BUCKET``), so one history is at most a few
hundred small numbers whatever the sample count.

CPU is read at ``cpu_percentile`` and memory at its peak (the highest live bucket), each plus ``margin``,
exactly as ``recommend`` does; both are bucket upper edges, so never below the truth by more than one bucket
(5 %). A recommendation is confident once the history spans ``min_history_s`` and holds ``MIN_SAMPLES``
observations; ``confidence`` is the share of the 14-day window the history spans.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spothive.domain.rightsizing import DecayingHistogram, Recommendation, SizingPolicy

#: The window MOD-SIZE-01 reads (14 days of metrics); buckets older than this fade out.
WINDOW_S = 14 * 24 * 3600.0
#: Workloads per page of a cluster's recommendations (the API's ``limit`` bound).
MAX_PAGE = 200
#: Observations a recommendation needs besides ``min_history_s`` of span before it is confident.
MIN_SAMPLES = 12
#: Highest bucket index kept (CPU: ~1900 cores, memory: ~1.9 TiB with the default layout): bounds a history.
MAX_BUCKET = 200
#: Workloads kept per cluster; observations of further new workloads are dropped (bounds a cluster's history).
MAX_WORKLOADS = 2000
#: The alphabet Kubernetes uses for generated name suffixes (pod-template-hash and the random 5 characters).
_SAFE = "bcdfghjklmnpqrstvwxz2456789"
_DEPLOYMENT_POD = re.compile(rf"^(.+)-[{_SAFE}]{{6,10}}-[{_SAFE}]{{5}}$")
_GENERATED_POD = re.compile(rf"^(.+)-[{_SAFE}]{{5}}$")
_ORDINAL_POD = re.compile(r"^(.+)-\d+$")


def workload_key(namespace: str, owner: str) -> str:
    """``namespace/owner``: the key of a workload in its cluster's history."""
    return f"{namespace}/{owner}"


def owner_of(pod_name: str, owner: str | None = None) -> str:
    """The workload a pod belongs to: its reported owner, else read from the generated name.

    ``web-7d9f8b6c5-x2x9k`` (Deployment) → ``web``; ``agent-x2x9k`` (DaemonSet, Job) → ``agent``;
    ``db-0`` (StatefulSet) → ``db``; anything else is its own workload.
    """
    if owner:
        return owner
    for pattern in (_DEPLOYMENT_POD, _GENERATED_POD, _ORDINAL_POD):
        found = pattern.match(pod_name)
        if found:
            return found.group(1)
    return pod_name


@dataclass(frozen=True, slots=True)
class Observation:
    """One pod's usage at ``ts`` (epoch seconds)."""

    ts: float
    cpu_m: float
    memory_mib: float


@dataclass(frozen=True, slots=True)
class WorkloadHistory:
    """Decayed CPU and memory histograms of one workload (weights in units of a sample taken at ``ref``)."""

    ref: float
    first: float
    samples: int = 0
    cpu: Mapping[int, float] = field(default_factory=dict)
    memory: Mapping[int, float] = field(default_factory=dict)

    @property
    def history_s(self) -> float:
        """Seconds between the first and the newest observation."""
        return max(0.0, self.ref - self.first)

    def folded(self, observations: Iterable[Observation], policy: SizingPolicy) -> WorkloadHistory:
        """The history with ``observations`` added (an older one counts less; ``ref`` never moves back)."""
        obs = list(observations)
        if not obs:
            return self
        ref = max(self.ref, *(o.ts for o in obs))
        scale = 2 ** ((self.ref - ref) / policy.half_life_s)
        cpu = {k: w * scale for k, w in self.cpu.items()}
        memory = {k: w * scale for k, w in self.memory.items()}
        cpu_layout, mem_layout = _layouts(policy)
        for o in obs:
            weight = 2 ** ((o.ts - ref) / policy.half_life_s)
            _add(cpu, _bucket(cpu_layout, o.cpu_m), weight)
            _add(memory, _bucket(mem_layout, o.memory_mib), weight)
        floor = 2 ** (-WINDOW_S / policy.half_life_s)
        return WorkloadHistory(
            ref, min(self.first, *(o.ts for o in obs)), self.samples + len(obs),
            {k: w for k, w in sorted(cpu.items()) if w >= floor},
            {k: w for k, w in sorted(memory.items()) if w >= floor},
        )

    def to_dict(self) -> dict[str, Any]:
        """The stored shape (docs/formats.md, right-sizing history): short keys, weights to 4 significant digits."""
        return {"v": 1, "ref": round(self.ref, 3), "first": round(self.first, 3), "n": self.samples,
                "cpu": [[k, float(f"{w:.4g}")] for k, w in self.cpu.items()],
                "mem": [[k, float(f"{w:.4g}")] for k, w in self.memory.items()]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkloadHistory:
        """Read the stored shape back."""
        return cls(float(data["ref"]), float(data["first"]), int(data["n"]),
                   {int(k): float(w) for k, w in data.get("cpu", [])},
                   {int(k): float(w) for k, w in data.get("mem", [])})


def new_history(ts: float) -> WorkloadHistory:
    """An empty history whose first observation is at ``ts``."""
    return WorkloadHistory(ts, ts)


def sample_observations(sample: Mapping[str, Any], now: datetime) -> dict[str, list[Observation]]:
    """A validated agent usage sample as observations by workload key.

    The sample's ``collected_at`` is its time, but never later than ``now`` (a skewed agent clock cannot push
    a history into the future); pods are grouped by namespace and owner (``owner_of``).
    """
    ts = min(datetime.fromisoformat(str(sample["collected_at"]).replace("Z", "+00:00")), now).timestamp()
    out: dict[str, list[Observation]] = {}
    for pod in sample.get("pods", []):
        namespace = str(pod.get("namespace") or "default")
        key = workload_key(namespace, owner_of(str(pod["name"]), pod.get("owner")))
        out.setdefault(key, []).append(Observation(ts, float(pod["cpu_m"]), float(pod["memory_mib"])))
    return out


def fold_sample(
    stored: Mapping[str, WorkloadHistory], observations: Mapping[str, list[Observation]], known: int,
    policy: SizingPolicy | None = None,
) -> tuple[dict[str, WorkloadHistory], list[str]]:
    """``(updated histories, dropped workload keys)``: each workload's observations folded into its history.

    ``known`` is how many workloads the cluster's history holds already; new workloads beyond
    ``MAX_WORKLOADS`` are dropped (sorted by key, so the same ones each time).
    """
    policy = policy or SizingPolicy()
    updated: dict[str, WorkloadHistory] = {}
    dropped: list[str] = []
    room = MAX_WORKLOADS - known
    for key in sorted(observations):
        obs = observations[key]
        history = stored.get(key)
        if history is None:
            if room <= 0:
                dropped.append(key)
                continue
            room -= 1
            history = new_history(min(o.ts for o in obs))
        updated[key] = history.folded(obs, policy)
    return updated, dropped


@dataclass(frozen=True, slots=True)
class WorkloadRecommendation:
    """Per-pod requests recommended for one workload, and how far to trust them."""

    namespace: str
    owner: str
    cpu_m: int
    memory_mib: int
    samples: int
    history_s: float
    confidence: float
    confident: bool
    reason: str


def recommend_workload(key: str, history: WorkloadHistory, policy: SizingPolicy | None = None) -> WorkloadRecommendation:
    """The p90 CPU and peak memory of the history plus the margin; confident after enough span and samples."""
    policy = policy or SizingPolicy()
    cpu_layout, mem_layout = _layouts(policy)
    cpu_layout.weights, cpu_layout.total = dict(history.cpu), sum(history.cpu.values())
    cpu_m = max(policy.min_cpu_m, math.ceil(cpu_layout.percentile(policy.cpu_percentile) * (1 + policy.margin)))
    peak = mem_layout.bucket_start(max(history.memory) + 1) if history.memory else 0.0
    memory_mib = max(policy.min_memory_mib, math.ceil(peak * (1 + policy.margin)))
    span = history.history_s
    confident = span >= policy.min_history_s and history.samples >= MIN_SAMPLES
    namespace, _, owner = key.partition("/")
    reason = (f"p{policy.cpu_percentile * 100:.0f} CPU and peak memory of {history.samples} samples over "
              f"{span / 3600:.1f} h +{policy.margin:.0%} margin")
    if not confident:
        reason += (f" (not confident before {policy.min_history_s / 3600:.0f} h and {MIN_SAMPLES} samples: "
                   "requests kept as they are)")
    return WorkloadRecommendation(namespace, owner, cpu_m, memory_mib, history.samples, span,
                                  round(min(1.0, span / WINDOW_S), 4), confident, reason)


def pod_recommendations(
    pods: Iterable[tuple[str, str, str]], recs: Mapping[str, WorkloadRecommendation]
) -> list[Recommendation]:
    """One container-less ``Recommendation`` per pod ``(namespace, name, owner)`` whose workload has one, for
    ``apply_recommendations`` (which replaces the requests of the confident ones only)."""
    out = []
    for namespace, name, owner in pods:
        rec = recs.get(workload_key(namespace, owner_of(name, owner)))
        if rec is not None:
            out.append(Recommendation(namespace, name, "", rec.cpu_m, rec.memory_mib, rec.confident,
                                      rec.history_s, rec.reason))
    return out


def _layouts(policy: SizingPolicy) -> tuple[DecayingHistogram, DecayingHistogram]:
    """The CPU (millicores) and memory (MiB) bucket layouts of ``policy``."""
    cpu = DecayingHistogram(policy.cpu_first_bucket * 1000, policy.bucket_growth, policy.half_life_s, 0.0)
    memory = DecayingHistogram(policy.memory_first_bucket / 2**20, policy.bucket_growth, policy.half_life_s, 0.0)
    return cpu, memory


def _bucket(layout: DecayingHistogram, value: float) -> int:
    return min(MAX_BUCKET, layout.bucket(max(value, 0.0)))


def _add(weights: dict[int, float], bucket: int, weight: float) -> None:
    weights[bucket] = weights.get(bucket, 0.0) + weight
