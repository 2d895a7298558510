"""Kubernetes objects as plain dataclasses: namespaces, workloads (pod groups) and NetworkPolicies.

The Kubernetes loader (``ingest/loaders/kubernetes.py``) fills a ``Cluster`` from manifests; the
NetworkPolicy analysis (``analysis/netpol.py``) reads it. Every policy, rule, peer and port keeps a
``SourceRef`` (file:line) so a verdict can name the rule that decided it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from validator.model.compact import by_fields
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet

DEFAULT_NAMESPACE = "default"
NAME_LABEL = "kubernetes.io/metadata.name"
PROTOCOLS = ("TCP", "UDP", "SCTP")


# ---------------------------------------------------------------------------------------------------------
# the model
@by_fields
@dataclass(frozen=True, slots=True)
class Namespace:
    name: str
    labels: Mapping[str, str]
    source: SourceRef | None = None


@by_fields
@dataclass(frozen=True, slots=True)
class NamedPort:
    name: str
    protocol: str
    port: int


@by_fields
@dataclass(slots=True)
class Workload:
    """A group of pods shown as one line: a controller (by its owner) or a bare Pod."""

    namespace: str
    name: str
    kind: str
    labels: Mapping[str, str]
    ports: tuple[NamedPort, ...]
    source: SourceRef

    @property
    def display(self) -> str:
        return f"{self.namespace}/{self.name}[{self.kind}]"

    def named_port(self, name: str, protocol: str) -> int | None:
        for p in self.ports:
            if p.name == name and p.protocol == protocol:
                return p.port
        return None


@by_fields
@dataclass(frozen=True, slots=True)
class SelectorRequirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: frozenset[str]


@by_fields
@dataclass(frozen=True, slots=True)
class LabelSelector:
    """matchLabels AND matchExpressions; the empty selector matches everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[SelectorRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        for req in self.expressions:
            present = req.key in labels
            op = req.operator
            if op == "In":
                if not present or labels[req.key] not in req.values:
                    return False
            elif op == "NotIn":
                if present and labels[req.key] in req.values:
                    return False
            elif op == "Exists":
                if not present:
                    return False
            elif present:  # DoesNotExist
                return False
        return True

    def is_empty(self) -> bool:
        return not self.match_labels and not self.expressions


@by_fields
@dataclass(frozen=True, slots=True)
class PolicyPort:
    """One ``ports`` item: protocol, numeric range or a named port (resolved on the destination pod)."""

    protocol: str
    ports: PortSet | None  # None with ``name`` set: a named port; None without: all ports
    name: str | None
    source: SourceRef


@by_fields
@dataclass(frozen=True, slots=True)
class PolicyPeer:
    """One ``from``/``to`` item. Pod/namespace selectors AND together; ipBlock stands alone."""

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: AddressSet | None
    source: SourceRef


@by_fields
@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One ingress/egress rule. ``peers`` None: any peer (K6); ``ports`` empty: any port/protocol."""

    peers: tuple[PolicyPeer, ...] | None
    ports: tuple[PolicyPort, ...]
    source: SourceRef


@by_fields
@dataclass(slots=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    ingress_isolates: bool
    egress_isolates: bool
    ingress: tuple[PolicyRule, ...]
    egress: tuple[PolicyRule, ...]
    source: SourceRef

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class SkippedManifest:
    path: str
    reason: str


@dataclass
class Cluster:
    """Everything read from a folder of manifests; the input of ``analysis/netpol.py``."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    workloads: list[Workload] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    skipped: list[SkippedManifest] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    policy_index: dict[str, int] = field(default_factory=dict, repr=False)  # key → position in policies


def finish(cluster: Cluster) -> None:
    """Add implicit namespaces (K8) and sort everything for deterministic output."""
    used = {w.namespace for w in cluster.workloads} | {p.namespace for p in cluster.policies}
    for ns in used:
        if ns not in cluster.namespaces:
            cluster.namespaces[ns] = Namespace(ns, {NAME_LABEL: ns})
    cluster.workloads.sort(key=lambda w: (w.namespace, w.name, w.kind, sorted(w.labels.items())))
    cluster.policies.sort(key=lambda p: (p.namespace, p.name))
    cluster.policy_index = {p.key: i for i, p in enumerate(cluster.policies)}
