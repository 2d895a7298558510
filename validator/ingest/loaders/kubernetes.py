"""Kubernetes manifests → plain dataclasses: namespaces, workloads (pod groups) and NetworkPolicies.

Reads YAML (multi-document) and JSON, including ``*List`` kinds. Every policy, rule, peer and port keeps a
``SourceRef`` (file:line) so a verdict can name the rule that decided it. Loading is safe-only (a SafeLoader
reader ``documents`` that records the line of every mapping). Files or documents that are not Kubernetes manifests are
skipped with a note, never an error; a NetworkPolicy that is wrong raises ``InputError`` with file:line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from validator.ingest.documents import LineDict, load_documents
from validator.model.errors import InputError
from validator.model.sets import AddressSet, PortSet, SourceRef, parse_range

DEFAULT_NAMESPACE = "default"
NAME_LABEL = "kubernetes.io/metadata.name"
PROTOCOLS = ("TCP", "UDP", "SCTP")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

# kind → how to find the pod template (None: the object is the pod itself)
_WORKLOAD_TEMPLATE: dict[str, tuple[str, ...] | None] = {
    "Pod": None,
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def _line(obj: object, fallback: int | None = None) -> int | None:
    return getattr(obj, "line", None) or fallback


# ---------------------------------------------------------------------------------------------------------
# the model
@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Mapping[str, str]
    source: SourceRef | None = None


@dataclass(frozen=True)
class NamedPort:
    name: str
    protocol: str
    port: int


@dataclass
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


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: frozenset[str]


@dataclass(frozen=True)
class LabelSelector:
    """matchLabels AND matchExpressions; the empty selector matches everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()

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


@dataclass(frozen=True)
class PolicyPort:
    """One ``ports`` item: protocol, numeric range or a named port (resolved on the destination pod)."""

    protocol: str
    ports: PortSet | None  # None with ``name`` set: a named port; None without: all ports
    name: str | None
    source: SourceRef


@dataclass(frozen=True)
class PolicyPeer:
    """One ``from``/``to`` item. Pod/namespace selectors AND together; ipBlock stands alone."""

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: AddressSet | None
    source: SourceRef


@dataclass(frozen=True)
class PolicyRule:
    """One ingress/egress rule. ``peers`` None: any peer (K6); ``ports`` empty: any port/protocol."""

    peers: tuple[PolicyPeer, ...] | None
    ports: tuple[PolicyPort, ...]
    source: SourceRef


@dataclass
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
    """Everything read from a folder of manifests; the input of ``validator.netpol``."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    workloads: list[Workload] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    skipped: list[SkippedManifest] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    policy_index: dict[str, int] = field(default_factory=dict, repr=False)  # key → position in policies

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        ns = self.namespaces.get(name)
        return ns.labels if ns is not None else {NAME_LABEL: name}


# ---------------------------------------------------------------------------------------------------------
# parsing helpers
class _Ctx:
    def __init__(self, file: str, cluster: Cluster) -> None:
        self.file = file
        self.cluster = cluster

    def ref(self, obj: object, resource: str = "", fallback: int | None = None) -> SourceRef:
        return SourceRef(self.file, _line(obj, fallback), resource)

    def error(self, message: str, obj: object, hint: str | None = None,
              fallback: int | None = None) -> InputError:
        return InputError(message, file=self.file, line=_line(obj, fallback), hint=hint)


def _as_map(ctx: _Ctx, value: object, what: str, parent: object) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ctx.error(f"{what} must be a mapping, got {type(value).__name__}", value,
                        fallback=_line(parent))
    return value


def _as_list(ctx: _Ctx, value: object, what: str, parent: object) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(f"{what} must be a list, got {type(value).__name__}", value, fallback=_line(parent))
    return value


def _labels(ctx: _Ctx, value: object, what: str, parent: object) -> dict[str, str]:
    raw = _as_map(ctx, value, what, parent)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def _selector(ctx: _Ctx, value: object, what: str, parent: object) -> LabelSelector:
    raw = _as_map(ctx, value, what, parent)
    labels = tuple(sorted(_labels(ctx, raw.get("matchLabels"), f"{what}.matchLabels", raw).items()))
    reqs: list[Requirement] = []
    for expr in _as_list(ctx, raw.get("matchExpressions"), f"{what}.matchExpressions", raw):
        expr_map = _as_map(ctx, expr, f"{what}.matchExpressions item", raw)
        key = expr_map.get("key")
        op = expr_map.get("operator")
        values = _as_list(ctx, expr_map.get("values"), "values", expr_map)
        if not key:
            raise ctx.error(f"{what}.matchExpressions item has no key", expr_map, fallback=_line(raw))
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ctx.error(f"{what}.matchExpressions operator {op!r} is not valid", expr_map,
                            hint="use In, NotIn, Exists or DoesNotExist", fallback=_line(raw))
        if op in ("In", "NotIn") and not values:
            raise ctx.error(f"operator {op} needs a non-empty values list", expr_map, fallback=_line(raw))
        if op in ("Exists", "DoesNotExist") and values:
            raise ctx.error(f"operator {op} must not have values", expr_map, fallback=_line(raw))
        reqs.append(Requirement(str(key), str(op), frozenset(str(v) for v in values)))
    return LabelSelector(labels, tuple(reqs))


def _protocol(ctx: _Ctx, value: object, obj: object) -> str:
    if value is None:
        return "TCP"  # K10
    text = str(value).upper()
    if text not in PROTOCOLS:
        raise ctx.error(f"protocol {value!r} is not valid", obj, hint="use TCP, UDP or SCTP")
    return text


def _port_number(ctx: _Ctx, value: object, obj: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ctx.error(f"{what} {value!r} is not a port number 1-65535", obj)
    return value


def _policy_port(ctx: _Ctx, item: object, parent: object) -> PolicyPort:
    raw = _as_map(ctx, item, "ports item", parent)
    ref = ctx.ref(raw, fallback=_line(parent))
    proto = _protocol(ctx, raw.get("protocol"), raw)
    port = raw.get("port")
    end = raw.get("endPort")
    if port is None:
        if end is not None:
            raise ctx.error("endPort needs a numeric port", raw)
        return PolicyPort(proto, None, None, ref)
    if isinstance(port, str) and not port.isdigit():
        if end is not None:
            raise ctx.error(f"endPort cannot be used with the named port {port!r}", raw,
                            hint="use a numeric port with endPort")
        return PolicyPort(proto, None, port, ref)
    first = _port_number(ctx, int(port) if isinstance(port, str) else port, raw, "port")
    last = first
    if end is not None:
        last = _port_number(ctx, end, raw, "endPort")
        if last < first:
            raise ctx.error(f"endPort {last} is smaller than port {first}", raw)
    return PolicyPort(proto, PortSet.range(first, last), None, ref)


def _ip_block(ctx: _Ctx, value: object, parent: object) -> AddressSet:
    raw = _as_map(ctx, value, "ipBlock", parent)
    cidr = raw.get("cidr")
    if not cidr:
        raise ctx.error("ipBlock has no cidr", raw, fallback=_line(parent))
    try:
        block = AddressSet([parse_range(str(cidr))])
        excepts = AddressSet([parse_range(str(e)) for e in _as_list(ctx, raw.get("except"), "except", raw)])
    except ValueError as exc:
        raise ctx.error(f"ipBlock: {exc}", raw, fallback=_line(parent)) from None
    if "/" not in str(cidr):
        raise ctx.error(f"ipBlock cidr {cidr!r} is not a CIDR", raw, hint="write it as a.b.c.d/n")
    if not block.covers(excepts):
        raise ctx.error(f"ipBlock except {excepts} is not inside cidr {cidr}", raw)
    return cast(AddressSet, block - excepts)


def _peer(ctx: _Ctx, item: object, parent: object) -> PolicyPeer:
    raw = _as_map(ctx, item, "peer", parent)
    ref = ctx.ref(raw, fallback=_line(parent))
    has_pod = "podSelector" in raw
    has_ns = "namespaceSelector" in raw
    has_ip = "ipBlock" in raw
    if has_ip and (has_pod or has_ns):
        raise ctx.error("a peer with ipBlock cannot also have podSelector or namespaceSelector", raw,
                        hint="split them into separate from/to items")
    if not (has_ip or has_pod or has_ns):
        raise ctx.error("peer needs podSelector, namespaceSelector or ipBlock", raw, fallback=_line(parent))
    if has_ip:
        return PolicyPeer(None, None, _ip_block(ctx, raw["ipBlock"], raw), ref)
    pod = _selector(ctx, raw.get("podSelector"), "podSelector", raw) if has_pod else None
    ns = _selector(ctx, raw.get("namespaceSelector"), "namespaceSelector", raw) if has_ns else None
    return PolicyPeer(pod, ns, None, ref)


def _rules(ctx: _Ctx, value: object, direction: str, parent: object, policy: str) -> tuple[PolicyRule, ...]:
    peer_key = "from" if direction == "ingress" else "to"
    out: list[PolicyRule] = []
    for item in _as_list(ctx, value, direction, parent):
        raw = _as_map(ctx, item, f"{direction} rule", parent)
        ref = ctx.ref(raw, f"{policy} {direction}[{len(out)}]", fallback=_line(parent))
        peers_raw = raw.get(peer_key)
        peers = None if not peers_raw else tuple(_peer(ctx, p, raw) for p in _as_list(ctx, peers_raw,
                                                                                          peer_key, raw))
        ports = tuple(_policy_port(ctx, p, raw) for p in _as_list(ctx, raw.get("ports"), "ports", raw))
        out.append(PolicyRule(peers, ports, ref))
    return tuple(out)


def _namespace_of(meta: Mapping[str, Any]) -> str:
    return str(meta.get("namespace") or DEFAULT_NAMESPACE)


def _load_policy(ctx: _Ctx, doc: Mapping[str, Any]) -> NetworkPolicy:
    meta = _as_map(ctx, doc.get("metadata"), "metadata", doc)
    name = meta.get("name")
    if not name:
        raise ctx.error("NetworkPolicy has no metadata.name", doc)
    ns = _namespace_of(meta)
    key = f"{ns}/{name}"
    spec = _as_map(ctx, doc.get("spec"), "spec", doc)
    if "podSelector" not in spec and spec:
        raise ctx.error(f"NetworkPolicy {key} has no spec.podSelector", spec,
                        hint="use podSelector: {} to select every pod of the namespace")
    selector = _selector(ctx, spec.get("podSelector"), "spec.podSelector", spec)
    ingress = _rules(ctx, spec.get("ingress"), "ingress", spec, key)
    egress = _rules(ctx, spec.get("egress"), "egress", spec, key)
    types_raw = spec.get("policyTypes")
    if types_raw is None:  # K2
        types = {"Ingress"} | ({"Egress"} if spec.get("egress") else set())
    else:
        types = set()
        for t in _as_list(ctx, types_raw, "policyTypes", spec):
            if t not in ("Ingress", "Egress"):
                raise ctx.error(f"policyTypes value {t!r} is not valid", types_raw,
                                hint="use Ingress or Egress", fallback=_line(spec))
            types.add(t)
    return NetworkPolicy(ns, str(name), selector, "Ingress" in types, "Egress" in types, ingress, egress,
                         ctx.ref(doc, f"NetworkPolicy {key}"))


def _container_ports(ctx: _Ctx, pod_spec: Mapping[str, Any]) -> tuple[NamedPort, ...]:
    out: list[NamedPort] = []
    containers = [*_as_list(ctx, pod_spec.get("containers"), "containers", pod_spec),
                  *_as_list(ctx, pod_spec.get("initContainers"), "initContainers", pod_spec)]
    for c in containers:
        if not isinstance(c, Mapping):
            continue
        raw_ports = c.get("ports")
        if not isinstance(raw_ports, list):  # ``ports: {}`` appears in real pod dumps: no ports
            if raw_ports:
                raise ctx.error("container ports must be a list", c)
            continue
        for p in raw_ports:
            if not isinstance(p, Mapping) or not p.get("name"):
                continue
            number = p.get("containerPort")
            if isinstance(number, bool) or not isinstance(number, int):
                continue  # a port without a valid number cannot resolve a name (K11)
            proto = str(p.get("protocol") or "TCP").upper()
            out.append(NamedPort(str(p["name"]), proto, number))
    return tuple(sorted(set(out), key=lambda n: (n.name, n.protocol, n.port)))


def _load_workload(ctx: _Ctx, doc: Mapping[str, Any], kind: str) -> Workload:
    meta = _as_map(ctx, doc.get("metadata"), "metadata", doc)
    name = str(meta.get("name") or meta.get("generateName") or "")
    if not name:
        raise ctx.error(f"{kind} has no metadata.name", doc)
    ns = _namespace_of(meta)
    path = _WORKLOAD_TEMPLATE[kind]
    display_name, display_kind = name, kind
    if path is None:
        pod_meta, pod_spec = meta, _as_map(ctx, doc.get("spec"), "spec", doc)
        for owner in _as_list(ctx, meta.get("ownerReferences"), "ownerReferences", meta):
            if isinstance(owner, Mapping) and owner.get("name") and owner.get("kind"):
                display_name, display_kind = str(owner["name"]), str(owner["kind"])
                if owner.get("controller"):
                    break
    else:
        node: Any = doc
        for step in path:
            node = _as_map(ctx, node.get(step), step, node)
        pod_meta = _as_map(ctx, node.get("metadata"), "template.metadata", node)
        pod_spec = _as_map(ctx, node.get("spec"), "template.spec", node)
    labels = _labels(ctx, pod_meta.get("labels"), "labels", pod_meta)
    return Workload(ns, display_name, display_kind, labels, _container_ports(ctx, pod_spec),
                    ctx.ref(doc, f"{kind} {ns}/{name}"))


def _load_namespace(ctx: _Ctx, doc: Mapping[str, Any]) -> Namespace:
    meta = _as_map(ctx, doc.get("metadata"), "metadata", doc)
    name = meta.get("name")
    if not name:
        raise ctx.error("Namespace has no metadata.name", doc)
    labels = _labels(ctx, meta.get("labels"), "labels", meta)
    labels[NAME_LABEL] = str(name)  # K8: the implicit name label
    return Namespace(str(name), labels, ctx.ref(doc, f"Namespace {name}"))


def _add_document(ctx: _Ctx, doc: object, ignored: dict[str, int]) -> bool:
    """Add one manifest; returns False when it is not a Kubernetes object at all."""
    if not isinstance(doc, Mapping) or "kind" not in doc or "apiVersion" not in doc:
        return False
    kind = str(doc["kind"])
    if kind.endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            if isinstance(item, Mapping) and "kind" not in item and kind != "List":
                typed = LineDict(item, kind=kind[:-4], apiVersion=doc["apiVersion"])  # PodList items
                typed.line = _line(item) or 0
                typed.key_lines = getattr(item, "key_lines", {})
                item = typed
            _add_document(ctx, item, ignored)
        return True
    if kind == "NetworkPolicy":
        api = str(doc["apiVersion"])
        if api != "networking.k8s.io/v1":
            raise ctx.error(f"NetworkPolicy apiVersion {api!r} is not supported", doc,
                            hint="use networking.k8s.io/v1")
        policy = _load_policy(ctx, doc)
        index = ctx.cluster.policy_index
        if policy.key in index:  # like ``kubectl apply -R``: the later definition replaces the earlier
            old = ctx.cluster.policies[index[policy.key]]
            ctx.cluster.skipped.append(SkippedManifest(
                old.source.location(), f"NetworkPolicy {policy.key} replaced by {policy.source.location()}"))
            ctx.cluster.policies[index[policy.key]] = policy
        else:
            index[policy.key] = len(ctx.cluster.policies)
            ctx.cluster.policies.append(policy)
    elif kind in _WORKLOAD_TEMPLATE:
        ctx.cluster.workloads.append(_load_workload(ctx, doc, kind))
    elif kind == "Namespace":
        ns = _load_namespace(ctx, doc)
        ctx.cluster.namespaces[ns.name] = ns
    else:
        ignored[kind] = ignored.get(kind, 0) + 1
    return True


def _json_fallback(text: str, path: str) -> list[Any] | None:
    """Parse a ``.json`` file with the json module (no line numbers); None when it is not JSON either."""
    if not path.lower().endswith(".json"):
        return None
    try:
        return [json.loads(text)]
    except ValueError:
        return None


def load_file(path: str, cluster: Cluster, display: str | None = None) -> None:
    """Parse one file into ``cluster``; non-manifests are recorded in ``cluster.skipped``."""
    name = display or path
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        cluster.skipped.append(SkippedManifest(name, f"cannot read: {exc}"))
        return
    docs: list[Any] | None
    try:
        docs = load_documents(text, name)
    except InputError:
        docs = _json_fallback(text, path)  # JSON that YAML rejects (e.g. a tab after a colon)
        if docs is None and "{{" in text:  # a Helm/Go template renders to manifests; it is not one
            cluster.skipped.append(SkippedManifest(name, "a template (contains {{ }}), not a manifest"))
            return
        if docs is None:
            raise
    add_documents(docs, cluster, name)


def add_documents(docs: list[Any], cluster: Cluster, name: str) -> None:
    """Add a file's parsed documents (from ``documents.load_documents``) to ``cluster``."""
    ctx = _Ctx(name, cluster)
    ignored: dict[str, int] = {}
    manifests = 0
    for doc in docs:
        if doc is None:
            continue
        if _add_document(ctx, doc, ignored):
            manifests += 1
    if not manifests:
        cluster.skipped.append(SkippedManifest(name, "not a Kubernetes manifest"))
        return
    cluster.files.append(name)
    if ignored:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(ignored.items()))
        cluster.skipped.append(SkippedManifest(name, f"ignored kinds: {kinds}"))


def iter_manifest_files(root: str) -> Iterable[tuple[str, str]]:
    """(path, display path) of every file under ``root`` in sorted order; hidden folders skipped."""
    if os.path.isfile(root):
        yield root, root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            yield full, os.path.relpath(full, root)


def load_cluster(root: str) -> Cluster:
    """Load every manifest under a folder (or one file)."""
    if not os.path.exists(root):
        raise InputError(f"path {root} does not exist")
    cluster = Cluster()
    for full, shown in iter_manifest_files(root):
        if not full.lower().endswith(MANIFEST_SUFFIXES):
            cluster.skipped.append(SkippedManifest(shown, "not a YAML/JSON file"))
            continue
        load_file(full, cluster, shown)
    finish(cluster)
    return cluster


def finish(cluster: Cluster) -> None:
    """Add implicit namespaces (K8) and sort everything for deterministic output."""
    used = {w.namespace for w in cluster.workloads} | {p.namespace for p in cluster.policies}
    for ns in used:
        if ns not in cluster.namespaces:
            cluster.namespaces[ns] = Namespace(ns, {NAME_LABEL: ns})
    cluster.workloads.sort(key=lambda w: (w.namespace, w.name, w.kind, sorted(w.labels.items())))
    cluster.policies.sort(key=lambda p: (p.namespace, p.name))
    cluster.policy_index = {p.key: i for i, p in enumerate(cluster.policies)}
