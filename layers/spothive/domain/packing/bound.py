"""Lower bound on the hourly cost of any valid plan, by Lagrangian duality of the covering LP.

The relaxation: buy fractional new nodes (any offer) and keep a fraction z ∈ [0, 1] of each removable node so
that total capacity covers total pod demand (CPU, memory, and the devices of each accelerator kind apart:
a pod asking for AMD GPUs only runs on nodes with AMD GPUs); pinned nodes are paid in full. For any resource
prices y ≥ 0 with y·cap(offer) ≤ price(offer) for every offer, the Lagrangian value

    L(y) = y·D + Σ_pinned (p - y·a) + Σ_removable min(0, p - y·a)

is a valid lower bound (weak duality). We search y over the vertices of the 2-D (CPU, memory) dual polygon,
scale it, and add one price per accelerator kind by line search; the best y also serves as the shadow price
of each resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Vec = tuple[float, ...]  # (cpu_m, memory_mib, devices of accelerator kind 0, kind 1, ...)


@dataclass(frozen=True, slots=True)
class Bound:
    """A lower bound and the resource prices (USD per millicore, per MiB, per GPU an hour) that prove it."""

    value: float
    y_cpu: float
    y_mem: float
    y_gpu: float  # demand-weighted mean of the per-kind device prices (a shadow price for heuristics)
    y_devices: tuple[float, ...] = ()  # the price of one device of each accelerator kind

    def worth(self, cpu_m: float, memory_mib: float, gpu: float) -> float:
        """Shadow value of a request: what that capacity costs at the bound's resource prices."""
        return self.y_cpu * cpu_m + self.y_mem * memory_mib + self.y_gpu * gpu


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Vertices of the convex hull (monotone chain)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _dot(y: Vec, v: Vec) -> float:
    return sum(a * b for a, b in zip(y, v, strict=False))


def _lagrangian(
    y: Vec, demand: Vec, pinned: Sequence[tuple[float, Vec]], removable: Sequence[tuple[float, Vec]]
) -> float:
    value = _dot(y, demand)
    for price, cap in pinned:
        value += price - _dot(y, cap)
    for price, cap in removable:
        slack = price - _dot(y, cap)
        if slack < 0:
            value += slack
    return value


def _best_scale(
    y: Vec, demand: Vec, pinned: Sequence[tuple[float, Vec]], removable: Sequence[tuple[float, Vec]]
) -> tuple[float, Vec]:
    """max over s ∈ [0, 1] of L(s·y): concave in s, so its maximum sits at 1 or at a breakpoint."""
    scales = {1.0}
    for price, cap in removable:
        worth = _dot(y, cap)
        if worth > price > 0:
            scales.add(price / worth)
    best = (float("-inf"), y)
    for s in sorted(scales):
        ys = tuple(v * s for v in y)
        value = _lagrangian(ys, demand, pinned, removable)
        if value > best[0]:
            best = (value, ys)
    return best


def lower_bound(
    demand: Vec,
    offers: Sequence[tuple[float, Vec]],
    pinned: Sequence[tuple[float, Vec]],
    removable: Sequence[tuple[float, Vec]],
) -> Bound:
    """Best Lagrangian bound found for covering ``demand`` with offers, removable and pinned nodes.

    ``demand`` and every capacity are (cpu_m, memory_mib, devices of kind 0, kind 1, ...) vectors of one
    length; ``offers``, ``pinned`` and ``removable`` are (hourly price, capacity) pairs.
    """
    dims = len(demand)
    fixed = sum(price for price, _ in pinned)
    best = Bound(fixed, 0.0, 0.0, 0.0)
    priced = [(p, cap) for p, cap in offers if p > 0]
    if not priced:
        return best
    per_dollar = [(cap[0] / p, cap[1] / p) for p, cap in priced]
    hull = _hull(per_dollar)
    candidates: list[tuple[float, float]] = []
    max_c = max(q[0] for q in per_dollar)
    max_m = max(q[1] for q in per_dollar)
    if max_c > 0:
        candidates.append((1 / max_c, 0.0))
    if max_m > 0:
        candidates.append((0.0, 1 / max_m))
    for i, a in enumerate(hull):
        for b in hull[i + 1 :]:
            det = a[0] * b[1] - a[1] * b[0]
            if abs(det) < 1e-18:
                continue
            yc = (b[1] - a[1]) / det
            ym = (a[0] - b[0]) / det
            if yc < 0 or ym < 0:
                continue
            if all(yc * q[0] + ym * q[1] <= 1 + 1e-9 for q in hull):
                candidates.append((yc, ym))
    zeros = (0.0,) * (dims - 2)
    best_y: Vec = (0.0, 0.0, *zeros)
    best_value = float("-inf")
    for yc, ym in candidates:
        value, ys = _best_scale((yc, ym, *zeros), demand, pinned, removable)
        if value > best_value:
            best_value, best_y = value, ys
    kinds = [k for k in range(2, dims) if demand[k] > 0]
    if kinds:
        cpu_mem = (best_y[0], best_y[1])
        for step in range(21):
            lam = step / 20
            y = [cpu_mem[0] * lam, cpu_mem[1] * lam, *zeros]
            for k in kinds:  # one kind at a time: every offer's constraint holds when its kind is priced
                slack = [(p - _dot(tuple(y), cap)) / cap[k] for p, cap in priced if cap[k] > 0]
                y[k] = max(0.0, min(slack)) if slack else 0.0
            value, ys = _best_scale(tuple(y), demand, pinned, removable)
            if value > best_value:
                best_value, best_y = value, ys
    if best_value > best.value:
        devices = sum(demand[2:])
        y_gpu = _dot(best_y[2:], demand[2:]) / devices if devices > 0 else 0.0
        best = Bound(best_value, best_y[0], best_y[1], y_gpu, tuple(best_y[2:]))
    return best
