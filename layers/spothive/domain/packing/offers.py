"""Choosing which offers (instance type, capacity type, zone) new nodes should use for a class of pods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from spothive.domain.packing.bound import Bound
from spothive.domain.packing.problem import ClassKey, Offer, Problem, key_accepts

__all__ = ["ClassKey", "OfferIndex", "choose_types", "class_key", "offer_accepts"]


def class_key(problem: Problem, pod: int) -> ClassKey:
    """What decides which nodes a pod accepts (``problem.pod_class``)."""
    return problem.pod_class[pod]


def offer_accepts(offer: Offer, key: ClassKey) -> bool:
    """True when new nodes of ``offer`` satisfy the class: selectors, arch, accelerator, affinity, zones."""
    return key_accepts(offer.labels, offer.itype.accelerator, key)


@dataclass(slots=True)
class OfferIndex:
    """Offers by class, cheapest-first, with memoised compatibility."""

    problem: Problem
    bound: Bound
    by_price: list[Offer] = field(default_factory=list)
    _class_offers: dict[ClassKey, list[Offer]] = field(default_factory=dict)
    _accepts: dict[tuple[int, ClassKey], bool] = field(default_factory=dict)
    _offer_id: dict[int, int] = field(default_factory=dict)
    _fronts: dict[tuple[ClassKey, ...], list[Offer]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_price = sorted(self.problem.offers, key=lambda o: (o.price, -o.cap[0], o.itype.name, o.zone))
        self._offer_id = {id(o): i for i, o in enumerate(self.by_price)}

    def accepts(self, offer: Offer, key: ClassKey) -> bool:
        """Memoised ``offer_accepts``."""
        memo_key = (self._offer_id[id(offer)], key)
        found = self._accepts.get(memo_key)
        if found is None:
            found = offer_accepts(offer, key)
            self._accepts[memo_key] = found
        return found

    def for_class(self, key: ClassKey) -> list[Offer]:
        """Offers a class accepts, cheapest pool per instance type, cheapest first."""
        found = self._class_offers.get(key)
        if found is None:
            seen: set[str] = set()
            found = []
            for offer in self.by_price:
                if offer.itype.name not in seen and offer_accepts(offer, key):
                    seen.add(offer.itype.name)
                    found.append(offer)
            self._class_offers[key] = found
        return found

    def _front(self, keys: Sequence[ClassKey]) -> list[Offer]:
        """Offers all ``keys`` accept, cheapest first, without any another offer beats on price and size."""
        memo = tuple(sorted(set(keys), key=repr))
        found = self._fronts.get(memo)
        if found is None:
            found = []
            for offer in self.by_price:
                if not all(self.accepts(offer, k) for k in memo):
                    continue
                cap = offer.cap
                if any(all(f.cap[r] >= cap[r] for r in range(4)) for f in found):
                    continue
                found.append(offer)
            self._fronts[memo] = found
        return found

    def cheapest_fitting(self, keys: Sequence[ClassKey], need: tuple[int, int, int, int]) -> Offer | None:
        """The cheapest offer every class in ``keys`` accepts whose capacity covers ``need``."""
        for offer in self._front(keys):
            cap = offer.cap
            if cap[0] >= need[0] and cap[1] >= need[1] and cap[2] >= need[2] and cap[3] >= need[3]:
                return offer
        return None


def choose_types(
    offers: Sequence[Offer], demand: tuple[float, float, float, float], bound: Bound, top: int = 24
) -> list[tuple[Offer, float]]:
    """The one or two offers (with fractional counts) covering ``demand`` cheapest; larger on ties."""
    usable = [o for o in offers if (o.cap[2] > 0) == (demand[2] > 0)] or list(offers)
    if not usable:
        return []

    def efficiency(o: Offer) -> tuple[float, int]:
        worth = bound.worth(o.cap[0], o.cap[1], o.cap[2])
        return (round(o.price / worth, 3) if worth > 0 else float("inf"), -o.cap[0])

    def single(o: Offer) -> float:
        cap = o.cap
        need = max(demand[r] / cap[r] for r in range(4) if cap[r] > 0)
        return need * o.price

    ranked = sorted(usable, key=efficiency)[:top]
    by_single = sorted(ranked, key=lambda o: (round(single(o), 6), -o.cap[0]))
    best: list[tuple[Offer, float]] = [(by_single[0], single(by_single[0]) / by_single[0].price)]
    best_cost = single(by_single[0])
    if demand[2] > 0:
        return best
    for i, a in enumerate(ranked):
        for b in ranked[i + 1 :]:
            det = a.cap[0] * b.cap[1] - a.cap[1] * b.cap[0]
            if det == 0:
                continue
            xa = (demand[0] * b.cap[1] - demand[1] * b.cap[0]) / det
            xb = (a.cap[0] * demand[1] - a.cap[1] * demand[0]) / det
            if xa <= 0 or xb <= 0:
                continue
            if xa * a.cap[3] + xb * b.cap[3] < demand[3]:
                continue
            cost = xa * a.price + xb * b.price
            if cost < best_cost * 0.995:
                best_cost, best = cost, [(a, xa), (b, xb)]
    return best
