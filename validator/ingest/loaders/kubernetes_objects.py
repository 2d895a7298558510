"""One Kubernetes object → the model: a NetworkPolicy (selectors, peers, ports, policyTypes), a workload's pod
template (labels, named ports) or a Namespace, each with its ``SourceRef``.

A NetworkPolicy that is wrong raises ``InputError`` with file:line; ``kubernetes.py`` reads the files and
documents and decides which objects these are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from validator.model.errors import InputError
from validator.model.kubernetes import (
    DEFAULT_NAMESPACE,
    NAME_LABEL,
    PROTOCOLS,
    LabelSelector,
    NamedPort,
    Namespace,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    SelectorRequirement,
    Workload,
)
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet, parse_range

# kind → how to find the pod template (None: the object is the pod itself)
WORKLOAD_TEMPLATE: dict[str, tuple[str, ...] | None] = {
    "Pod": None,
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def line_of(obj: object, fallback: int | None = None) -> int | None:
    return getattr(obj, "line", None) or fallback


class Context:
    """The file being read: where every object and error is located."""

    __slots__ = ("file",)

    def __init__(self, file: str) -> None:
        self.file = file

    def ref(self, obj: object, resource: str = "", fallback: int | None = None) -> SourceRef:
        return SourceRef(self.file, line_of(obj, fallback), resource)

    def error(self, message: str, obj: object, hint: str | None = None, fallback: int | None = None) -> InputError:
        return InputError(message, file=self.file, line=line_of(obj, fallback), hint=hint)


def _as_map(ctx: Context, value: object, what: str, parent: object) -> Mapping[str, Any]:
    if isinstance(value, dict):  # perf: what the reader builds; the ABC check below is slow
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ctx.error(f"{what} must be a mapping, got {type(value).__name__}", value, fallback=line_of(parent))
    return value


def _as_list(ctx: Context, value: object, what: str, parent: object) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ctx.error(f"{what} must be a list, got {type(value).__name__}", value, fallback=line_of(parent))
    return value


def _labels(ctx: Context, value: object, what: str, parent: object) -> dict[str, str]:
    raw = _as_map(ctx, value, what, parent)
    for key, item in raw.items():
        if isinstance(item, dict | list):
            kind = "list" if isinstance(item, list) else "mapping"
            message = f"{what}.{key} is a {kind}; a label value is a string"
            raise ctx.error(message, item, hint=f'write {key}: "value"', fallback=line_of(raw))
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


_ANY = LabelSelector()  # ``{}``: shared (perf: one per default-deny policy and namespace-wide peer)


def _selector(ctx: Context, value: object, what: str, parent: object) -> LabelSelector:
    raw = _as_map(ctx, value, what, parent)
    if not raw:
        return _ANY
    labels = tuple(sorted(_labels(ctx, raw.get("matchLabels"), f"{what}.matchLabels", raw).items()))
    reqs: list[SelectorRequirement] = []
    for expr in _as_list(ctx, raw.get("matchExpressions"), f"{what}.matchExpressions", raw):
        expr_map = _as_map(ctx, expr, f"{what}.matchExpressions item", raw)
        key = expr_map.get("key")
        op = expr_map.get("operator")
        values = _as_list(ctx, expr_map.get("values"), "values", expr_map)
        if not key:
            raise ctx.error(f"{what}.matchExpressions item has no key", expr_map, fallback=line_of(raw))
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ctx.error(
                f"{what}.matchExpressions operator {op!r} is not valid",
                expr_map,
                hint="use In, NotIn, Exists or DoesNotExist",
                fallback=line_of(raw),
            )
        if op in ("In", "NotIn") and not values:
            raise ctx.error(f"operator {op} needs a non-empty values list", expr_map, fallback=line_of(raw))
        if op in ("Exists", "DoesNotExist") and values:
            raise ctx.error(f"operator {op} must not have values", expr_map, fallback=line_of(raw))
        reqs.append(SelectorRequirement(str(key), str(op), frozenset(str(v) for v in values)))
    return LabelSelector(labels, tuple(reqs))


def _protocol(ctx: Context, value: object, obj: object) -> str:
    if value is None:
        return "TCP"  # K10
    text = str(value).upper()
    if text not in PROTOCOLS:
        raise ctx.error(f"protocol {value!r} is not valid", obj, hint="use TCP, UDP or SCTP")
    return text


def _port_number(ctx: Context, value: object, obj: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ctx.error(f"{what} {value!r} is not a port number 1-65535", obj)
    return value


def _policy_port(ctx: Context, item: object, parent: object) -> PolicyPort:
    raw = _as_map(ctx, item, "ports item", parent)
    ref = ctx.ref(raw, fallback=line_of(parent))
    proto = _protocol(ctx, raw.get("protocol"), raw)
    port = raw.get("port")
    end = raw.get("endPort")
    if port is None:
        if end is not None:
            raise ctx.error("endPort needs a numeric port", raw)
        return PolicyPort(proto, None, None, ref)
    if isinstance(port, str) and port.isdigit():  # IntOrString: a string is a port name, and a name needs a letter
        raise ctx.error(
            f"port {port!r} is a string: Kubernetes takes it as a port name and rejects it (a name needs a letter)",
            raw,
            hint=f"write port: {port} without quotes",
        )
    if isinstance(port, str):
        if end is not None:
            raise ctx.error(
                f"endPort cannot be used with the named port {port!r}", raw, hint="use a numeric port with endPort"
            )
        return PolicyPort(proto, None, port, ref)
    first = _port_number(ctx, port, raw, "port")
    last = first
    if end is not None:
        last = _port_number(ctx, end, raw, "endPort")
        if last < first:
            raise ctx.error(f"endPort {last} is smaller than port {first}", raw)
    return PolicyPort(proto, PortSet.range(first, last), None, ref)


def _ip_block(ctx: Context, value: object, parent: object) -> AddressSet:
    raw = _as_map(ctx, value, "ipBlock", parent)
    cidr = raw.get("cidr")
    if not cidr:
        raise ctx.error("ipBlock has no cidr", raw, fallback=line_of(parent))
    listed = _as_list(ctx, raw.get("except"), "except", raw)
    for what, text in (("cidr", cidr), *(("except", e) for e in listed)):
        if "/" not in str(text):  # checked first: a placeholder such as <github-ip> is no address range either
            raise ctx.error(f"ipBlock {what} {text!r} is not a CIDR", raw, hint="write it as a.b.c.d/n")
    try:
        block = AddressSet([parse_range(str(cidr))])
        excepts = AddressSet([parse_range(str(e)) for e in listed])
    except ValueError as exc:
        raise ctx.error(f"ipBlock: {exc}", raw, fallback=line_of(parent)) from None
    if not block.covers(excepts):
        raise ctx.error(f"ipBlock except {excepts} is not inside cidr {cidr}", raw)
    return cast(AddressSet, block - excepts)


def _peer(ctx: Context, item: object, parent: object) -> PolicyPeer:
    raw = _as_map(ctx, item, "peer", parent)
    ref = ctx.ref(raw, fallback=line_of(parent))
    has_pod = "podSelector" in raw
    has_ns = "namespaceSelector" in raw
    has_ip = "ipBlock" in raw
    if has_ip and (has_pod or has_ns):
        raise ctx.error(
            "a peer with ipBlock cannot also have podSelector or namespaceSelector",
            raw,
            hint="split them into separate from/to items",
        )
    if not (has_ip or has_pod or has_ns):
        raise ctx.error("peer needs podSelector, namespaceSelector or ipBlock", raw, fallback=line_of(parent))
    if has_ip:
        return PolicyPeer(None, None, _ip_block(ctx, raw["ipBlock"], raw), ref)
    pod = _selector(ctx, raw.get("podSelector"), "podSelector", raw) if has_pod else None
    ns = _selector(ctx, raw.get("namespaceSelector"), "namespaceSelector", raw) if has_ns else None
    return PolicyPeer(pod, ns, None, ref)


def _rules(ctx: Context, value: object, direction: str, parent: object, policy: str) -> tuple[PolicyRule, ...]:
    peer_key = "from" if direction == "ingress" else "to"
    out: list[PolicyRule] = []
    for item in _as_list(ctx, value, direction, parent):
        raw = _as_map(ctx, item, f"{direction} rule", parent)
        ref = ctx.ref(raw, f"{policy} {direction}[{len(out)}]", fallback=line_of(parent))
        peers_raw = raw.get(peer_key)
        peers = None if not peers_raw else tuple(_peer(ctx, p, raw) for p in _as_list(ctx, peers_raw, peer_key, raw))
        ports = tuple(_policy_port(ctx, p, raw) for p in _as_list(ctx, raw.get("ports"), "ports", raw))
        out.append(PolicyRule(peers, ports, ref))
    return tuple(out)


def _namespace_of(meta: Mapping[str, Any]) -> str:
    return str(meta.get("namespace") or DEFAULT_NAMESPACE)


def load_policy(ctx: Context, doc: Mapping[str, Any]) -> NetworkPolicy:
    meta = _as_map(ctx, doc.get("metadata"), "metadata", doc)
    name = meta.get("name")
    if not name:
        raise ctx.error("NetworkPolicy has no metadata.name", doc)
    ns = _namespace_of(meta)
    key = f"{ns}/{name}"
    spec = _as_map(ctx, doc.get("spec"), "spec", doc)
    if "podSelector" not in spec and spec:
        raise ctx.error(
            f"NetworkPolicy {key} has no spec.podSelector",
            spec,
            hint="use podSelector: {} to select every pod of the namespace",
        )
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
                raise ctx.error(
                    f"policyTypes value {t!r} is not valid",
                    types_raw,
                    hint="use Ingress or Egress",
                    fallback=line_of(spec),
                )
            types.add(t)
    return NetworkPolicy(
        ns,
        str(name),
        selector,
        "Ingress" in types,
        "Egress" in types,
        ingress,
        egress,
        ctx.ref(doc, f"NetworkPolicy {key}"),
    )


def _container_ports(ctx: Context, pod_spec: Mapping[str, Any]) -> tuple[NamedPort, ...]:
    out: list[NamedPort] = []
    containers = [
        *_as_list(ctx, pod_spec.get("containers"), "containers", pod_spec),
        *_as_list(ctx, pod_spec.get("initContainers"), "initContainers", pod_spec),
    ]
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


def load_workload(ctx: Context, doc: Mapping[str, Any], kind: str) -> Workload:
    meta = _as_map(ctx, doc.get("metadata"), "metadata", doc)
    name = str(meta.get("name") or meta.get("generateName") or "")
    if not name:
        raise ctx.error(f"{kind} has no metadata.name", doc)
    ns = _namespace_of(meta)
    path = WORKLOAD_TEMPLATE[kind]
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
    return Workload(
        ns, display_name, display_kind, labels, _container_ports(ctx, pod_spec), ctx.ref(doc, f"{kind} {ns}/{name}")
    )


def load_namespace(ctx: Context, doc: Mapping[str, Any]) -> Namespace:
    meta = _as_map(ctx, doc.get("metadata"), "metadata", doc)
    name = meta.get("name")
    if not name:
        raise ctx.error("Namespace has no metadata.name", doc)
    labels = _labels(ctx, meta.get("labels"), "labels", meta)
    labels[NAME_LABEL] = str(name)  # K8: the implicit name label
    return Namespace(str(name), labels, ctx.ref(doc, f"Namespace {name}"))
