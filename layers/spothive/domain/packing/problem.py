"""The packing problem in indexed form: pods, existing bins, new-node offers and compatibility."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from spothive.domain.catalog import Catalog, InstanceType
from spothive.domain.packing.constraints import Affinity, affinity_holds
from spothive.domain.packing.daemonsets import (
    NO_OVERHEAD,
    Cap,
    daemonset_overhead,
    existing_node_room,
    fits_overhead,
    new_node_room,
    split_daemonsets,
)
from spothive.domain.packing.model import (
    ARCH_LABEL,
    CAPACITY_LABEL,
    OS_LABEL,
    TYPE_LABEL,
    ZONE_LABEL,
    Node,
    PackingPolicy,
    Pod,
    Snapshot,
)
from spothive.domain.pricing import interruption_probability, is_flagged, pool_key

SCHEDULING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
#: Burstable families (CPU credits) are only offered when the node template lists them explicitly.
BURSTABLE_PREFIXES = ("t1", "t2", "t3", "t4g")


#: What decides which nodes a pod accepts: selectors, architecture, accelerator by name, required node
#: affinity and the zones of its volumes.
ClassKey = tuple[tuple[tuple[str, str], ...], str | None, str, Affinity, tuple[str, ...]]


def key_accepts(labels: Mapping[str, str], accelerator: str, key: ClassKey) -> bool:
    """True when a node with these labels and accelerator satisfies the class (taints aside)."""
    selector, arch, accel, affinity, zones = key
    if not (selector or accel or affinity or zones):
        return arch is None or labels.get(ARCH_LABEL) == arch
    if arch is not None and labels.get(ARCH_LABEL) != arch:
        return False
    if accel and accelerator != accel:
        return False
    if zones and labels.get(ZONE_LABEL) not in zones:
        return False
    return all(labels.get(k) == v for k, v in selector) and affinity_holds(labels, affinity)


def pod_class(pod: Pod, arch: str | None) -> ClassKey:
    """The class key of a pod."""
    return (
        tuple(sorted(pod.node_selector.items())),
        arch,
        pod.accelerator if pod.gpu > 0 else "",
        pod.affinity,
        tuple(sorted(pod.volume_zones)),
    )


class CatalogError(ValueError):
    """A snapshot names an instance type the catalog does not know or price."""


def node_labels(node: Node, itype: InstanceType) -> dict[str, str]:
    """The node's labels completed with the well-known ones derived from its type, capacity and zone."""
    labels = {
        ARCH_LABEL: itype.arch,
        TYPE_LABEL: node.instance_type,
        CAPACITY_LABEL: node.capacity_type,
        ZONE_LABEL: node.zone,
        OS_LABEL: "linux",
    }
    labels.update(node.labels)
    return labels


@dataclass(frozen=True, slots=True)
class Offer:
    """A node SpotHive may add: type, capacity type, zone and hourly price."""

    itype: InstanceType
    capacity_type: str
    zone: str
    price: float
    labels: Mapping[str, str]
    overhead: Cap = NO_OVERHEAD  # DaemonSet requests reserved on every node
    cap: Cap = (0, 0, 0, 0)  # room for workload: allocatable (cpu_m, memory_mib, gpus, pods) less overhead

    def __post_init__(self) -> None:
        object.__setattr__(self, "cap", new_node_room(self.itype, self.overhead))


@dataclass(slots=True)
class Bin:
    """A node in the making: its free capacity, price and the pods placed on it."""

    idx: int
    labels: Mapping[str, str]
    taints: frozenset[str]
    price: float
    cap: tuple[int, int, int, int]
    existing: int  # index into problem.nodes or -1 for a new node
    offer: Offer | None
    pinned: bool = False
    active: bool = True
    free_c: int = 0
    free_m: int = 0
    free_g: int = 0
    free_n: int = 0
    pods: list[int] = field(default_factory=list)

    def reset(self) -> None:
        """Empty the bin."""
        self.free_c, self.free_m, self.free_g, self.free_n = self.cap
        self.pods = []

    def fits(self, c: int, m: int, g: int) -> bool:
        """True when a pod of these requests fits the free capacity."""
        return self.free_c >= c and self.free_m >= m and self.free_g >= g and self.free_n >= 1

    def add(self, pod: int, c: int, m: int, g: int) -> None:
        """Place a pod."""
        self.free_c -= c
        self.free_m -= m
        self.free_g -= g
        self.free_n -= 1
        self.pods.append(pod)

    def remove(self, pod: int, c: int, m: int, g: int) -> None:
        """Take a pod off."""
        self.free_c += c
        self.free_m += m
        self.free_g += g
        self.free_n += 1
        self.pods.remove(pod)


@dataclass(slots=True)
class Problem:
    """Everything the packer needs, indexed; ``snapshot`` holds the workload (DaemonSet pods set apart)."""

    snapshot: Snapshot
    catalog: Catalog
    policy: PackingPolicy
    node_types: list[InstanceType]
    node_prices: list[float]
    node_labels: list[dict[str, str]]
    node_taints: list[frozenset[str]]
    node_index: dict[str, int]
    pod_orig: list[int]  # node index or -1 when pending
    pod_c: list[int]
    pod_m: list[int]
    pod_g: list[int]
    pod_arch: list[str | None]
    movable: list[bool]
    pod_pdb: list[int]
    pdb_budget: list[int]
    pinned_nodes: set[int]
    offers: list[Offer]
    daemon_pods: tuple[Pod, ...] = ()
    overhead: Cap = NO_OVERHEAD
    node_room: list[Cap] = field(default_factory=list)  # workload room of each existing node
    pod_class: list[ClassKey] = field(default_factory=list)
    pod_class_id: list[int] = field(default_factory=list)  # small integer per distinct class
    _compat: dict[tuple[int, int], bool] = field(default_factory=dict)
    _label_sig: dict[tuple[tuple[str, str], ...], int] = field(default_factory=dict)

    def bin_signature(self, labels: Mapping[str, str], taints: frozenset[str]) -> int:
        """Small integer identifying a (labels, taints) combination, for memoised compatibility."""
        key = (*sorted(labels.items()), *(("\x00taint", t) for t in sorted(taints)))
        return self._label_sig.setdefault(key, len(self._label_sig))

    def compatible(self, pod: int, labels: Mapping[str, str], taints: frozenset[str], existing: int) -> bool:
        """Selectors, architecture and taints allow ``pod`` on a node with these labels."""
        if existing >= 0 and existing == self.pod_orig[pod]:
            return True
        the_pod = self.snapshot.pods[pod]
        if taints and not taints <= the_pod.tolerations:
            return False
        if existing < 0:
            return key_accepts(labels, "", self.pod_class[pod])
        memo = (existing, self.pod_class_id[pod])
        found = self._compat.get(memo)
        if found is None:
            found = key_accepts(labels, self.node_types[existing].accelerator, self.pod_class[pod])
            self._compat[memo] = found
        return found


def _pod_arch(pod: Pod, labels: list[dict[str, str]], index: Mapping[str, int]) -> str | None:
    """The architecture a pod must keep: its selector's, else the one it runs on (single-arch images)."""
    if ARCH_LABEL in pod.node_selector:
        return pod.node_selector[ARCH_LABEL]
    if pod.node is not None and pod.node in index:
        return labels[index[pod.node]].get(ARCH_LABEL)
    return None


def risk_limit(policy: PackingPolicy, zone: str, instance_type: str) -> float:
    """Highest interruption probability a Spot pool may have to be offered; lower for a recovering pool."""
    limit = policy.max_interruption_probability
    if pool_key(zone, instance_type) in policy.recovering_pools:
        limit *= policy.recovery_ratio
    return limit


def build_offers(
    catalog: Catalog,
    policy: PackingPolicy,
    archs: frozenset[str],
    zones: tuple[str, ...],
    overhead: Cap = NO_OVERHEAD,
) -> list[Offer]:
    """Every node SpotHive may add under the policy: allowed families/archs, priced, unflagged, not too risky.

    Spot offers exist where the catalog knows a spot price; on-demand offers (one per zone) when spot is not
    allowed or on-demand fallback is on. Types with no room left after the DaemonSet overhead are skipped.
    """
    offers: list[Offer] = []
    for itype in catalog.types.values():
        if itype.ondemand_price is None or not fits_overhead(itype, overhead):
            continue
        if policy.families and itype.family not in policy.families:
            continue
        if not policy.families and itype.family.startswith(BURSTABLE_PREFIXES):
            continue
        if itype.arch not in archs:
            continue
        base = {ARCH_LABEL: itype.arch, TYPE_LABEL: itype.name, OS_LABEL: "linux", **policy.template_labels}
        if policy.spot_allowed:
            for zone, price in catalog.spot_zones(itype.name):
                if is_flagged(policy.flagged_pools, zone, itype.name):
                    continue
                risk = interruption_probability(catalog, itype.name, zone, policy.pool_risk)
                if risk > risk_limit(policy, zone, itype.name):
                    continue
                labels = {**base, CAPACITY_LABEL: "spot", ZONE_LABEL: zone}
                offers.append(Offer(itype, "spot", zone, price, labels, overhead))
        if not policy.spot_allowed or policy.spot_fallback_on_demand:
            for zone in zones:
                labels = {**base, CAPACITY_LABEL: "on-demand", ZONE_LABEL: zone}
                offers.append(Offer(itype, "on-demand", zone, itype.ondemand_price, labels, overhead))
    return offers


def pdb_move_budget(max_unavailable: int, pods: int) -> int:
    """Pods of a PDB one plan may move: all of them when the PDB allows any disruption, none when it allows
    none. A PDB paces evictions, it does not size a plan: the drains go through the Eviction API, which
    refuses (429) an eviction the PDB does not allow until the pods evicted before it run again elsewhere,
    and the agent retries it (docs/adr/0015)."""
    return pods if max_unavailable > 0 else 0


def build_problem(snapshot: Snapshot, catalog: Catalog, policy: PackingPolicy) -> Problem:
    """Index the snapshot against the catalog; raise CatalogError for unknown or unpriced node types.

    DaemonSet pods are set apart (``daemon_pods``): they never pin or move, and their per-node ``overhead``
    is taken off the room of every existing node and offer.
    """
    full = snapshot
    snapshot, daemons = split_daemonsets(snapshot)
    overhead = daemonset_overhead(daemons)
    node_types: list[InstanceType] = []
    prices: list[float] = []
    labels: list[dict[str, str]] = []
    taints: list[frozenset[str]] = []
    index: dict[str, int] = {}
    for i, node in enumerate(snapshot.nodes):
        itype = catalog.get(node.instance_type)
        if itype is None:
            raise CatalogError(f"nodes[{i}].instance_type {node.instance_type!r} is not in the catalog")
        price = catalog.price(node.instance_type, node.capacity_type, node.zone)
        if price is None:
            raise CatalogError(f"nodes[{i}].instance_type {node.instance_type!r} has no price in the catalog")
        node_types.append(itype)
        prices.append(price)
        labels.append(node_labels(node, itype))
        taints.append(frozenset(t.key for t in node.taints if t.effect in SCHEDULING_EFFECTS))
        index[node.name] = i
    excluded = policy.all_excluded_namespaces
    pdb_of: dict[tuple[str, str], int] = {}
    for b, pdb in enumerate(snapshot.pdbs):
        pdb_of.setdefault((pdb.namespace, pdb.selector_owner), b)
    pod_orig, pod_pdb, movable, archs_needed = [], [], [], []
    pinned: set[int] = set()
    used = [[0, 0, 0, 0] for _ in snapshot.nodes]
    for i, pod in enumerate(full.pods):
        if pod.node is not None and pod.node not in index:
            raise CatalogError(f"pods[{i}].node {pod.node!r} is not a node of the snapshot")
    for pod in snapshot.pods:
        orig = index.get(pod.node, -1) if pod.node is not None else -1
        if orig >= 0:
            u = used[orig]
            u[0] += pod.cpu_m
            u[1] += pod.memory_mib
            u[2] += pod.gpu
            u[3] += 1
        pod_orig.append(orig)
        pod_pdb.append(pdb_of.get((pod.namespace, pod.owner), -1) if pod.owner else -1)
        fixed = orig >= 0 and (pod.do_not_disrupt or pod.namespace in excluded or pod.system_critical)
        movable.append(not fixed)
        if fixed:
            pinned.add(orig)
        archs_needed.append(_pod_arch(pod, labels, index))
    zones = tuple(sorted({n.zone for n in snapshot.nodes if n.zone} | set(catalog.zones))) or (
        f"{snapshot.region}a",
    )
    archs = policy.architectures or frozenset(t.arch for t in node_types) or frozenset({"amd64"})
    classes = [pod_class(p, a) for p, a in zip(snapshot.pods, archs_needed, strict=True)]
    class_ids: dict[ClassKey, int] = {}
    return Problem(
        snapshot=snapshot,
        catalog=catalog,
        policy=policy,
        node_types=node_types,
        node_prices=prices,
        node_labels=labels,
        node_taints=taints,
        node_index=index,
        pod_orig=pod_orig,
        pod_c=[p.cpu_m for p in snapshot.pods],
        pod_m=[p.memory_mib for p in snapshot.pods],
        pod_g=[p.gpu for p in snapshot.pods],
        pod_arch=archs_needed,
        movable=movable,
        pod_pdb=pod_pdb,
        pdb_budget=[
            pdb_move_budget(
                min(o.max_unavailable for o in snapshot.pdbs
                    if (o.namespace, o.selector_owner) == (b.namespace, b.selector_owner)),
                len(snapshot.pods),
            )
            for b in snapshot.pdbs
        ],
        pinned_nodes=pinned,
        offers=build_offers(catalog, policy, archs, zones, overhead),
        daemon_pods=daemons,
        overhead=overhead,
        node_room=[existing_node_room(t, overhead, u) for t, u in zip(node_types, used, strict=True)],
        pod_class=classes,
        pod_class_id=[class_ids.setdefault(k, len(class_ids)) for k in classes],
    )
