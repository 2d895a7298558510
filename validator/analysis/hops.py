"""The layers of a direct hop, in the order packets meet them (N4).

The sender's NetworkPolicies (a workload cluster's agent pods) and security groups, the sender's subnet ACL
outbound, the firewalls whose boundary the hop crosses, the receiver's subnet ACL inbound, its security groups
and NetworkPolicies (a management cluster's serving pods); then the return leg through the stateless layers
(ACLs both ways, stateless firewalls, N3). Traffic inside one subnet does not cross its ACL. A subnet with no
declared ACL association is behind its VPC's default network ACL, which allows everything (N1): that layer is
listed with its documented default, so no layer allows without a rule or a documented default.
"""

from __future__ import annotations

from types import MappingProxyType

from validator.analysis.graph import Hop, Layer, NetworkGraph
from validator.model.rules import EnforcementPoint
from validator.model.sets import AddressSet
from validator.model.topology import Endpoint

DEFAULT_NACL = "N1"  # docs/semantics.md: a subnet without an association uses the VPC's default, allow-all ACL


def direct_hop(graph: NetworkGraph, src: Endpoint, dst: Endpoint) -> Hop:
    """The direct hop from ``src`` to ``dst`` with its layers; computed once per pair (the graph is frozen)."""
    cache = graph.cache("hops")
    key = (src.name, dst.name, src.addresses, dst.addresses)
    found = cache.get(key)
    if found is None:
        found = cache[key] = Hop(src, dst, tuple(_layers(graph, src, dst)))
    return found


def _layers(graph: NetworkGraph, src: Endpoint, dst: Endpoint) -> list[Layer]:
    src_groups, dst_groups = graph.groups_of(src), graph.groups_of(dst)
    same_subnets = bool(src.subnets) and set(src.subnets) == set(dst.subnets)
    src_acls, src_defaults = ([], []) if same_subnets else graph.nacls_of(src)
    dst_acls, dst_defaults = ([], []) if same_subnets else graph.nacls_of(dst)
    crossed = graph.firewalls_between(src, dst)
    layers: list[Layer] = []
    if src.name in graph.pods and src.role == "workload":
        layers.append(_pods_layer(graph, src, f"NetworkPolicy egress of {src.name}'s Palette agent", "egress"))
    if src_groups:
        layers.append(_groups_layer(src, src_groups, "egress"))
    if src_defaults:
        layers.append(_default_acl(src, src_defaults, "outbound"))
    for acl, scope in src_acls:
        layers.append(_acl_layer(f"outbound ACL of {src.name} ({acl.name})", acl, src, "egress", scope))
    layers.extend(Layer(f"firewall {wall.name}", "firewall", "forward", (wall,), src) for wall in crossed)
    for acl, scope in dst_acls:
        layers.append(_acl_layer(f"inbound ACL of {dst.name} ({acl.name})", acl, dst, "ingress", scope))
    if dst_defaults:
        layers.append(_default_acl(dst, dst_defaults, "inbound"))
    if dst_groups:
        layers.append(_groups_layer(dst, dst_groups, "ingress"))
    if dst.name in graph.pods and dst.role == "management":
        layers.append(_pods_layer(graph, dst, f"NetworkPolicy ingress of {dst.name}'s serving pods", "ingress"))
    for acl, scope in dst_acls:
        name = f"return traffic: outbound ACL of {dst.name} ({acl.name})"
        layers.append(_acl_layer(name, acl, dst, "egress", scope, reverse=True))
    for wall in crossed:
        if not wall.stateful:
            name = f"return traffic: firewall {wall.name} (stateless)"
            layers.append(Layer(name, "firewall", "forward", (wall,), dst, reverse=True))
    for acl, scope in src_acls:
        name = f"return traffic: inbound ACL of {src.name} ({acl.name})"
        layers.append(_acl_layer(name, acl, src, "ingress", scope, reverse=True))
    return layers


def _groups_layer(endpoint: Endpoint, groups: list[EnforcementPoint], direction: str) -> Layer:
    names = ", ".join(g.name for g in groups)
    return Layer(f"{direction} of {endpoint.name} ({names})", "security-group", direction, tuple(groups), endpoint)


def _acl_layer(
    name: str, acl: EnforcementPoint, endpoint: Endpoint, direction: str, scope: AddressSet, reverse: bool = False
) -> Layer:
    return Layer(name, "network-acl", direction, (acl,), endpoint, scope=scope, reverse=reverse)


def _default_acl(endpoint: Endpoint, subnets: list[str], side: str) -> Layer:
    name = f"{side} default network ACL of {endpoint.name} ({', '.join(subnets)})"
    direction = "egress" if side == "outbound" else "ingress"
    return Layer(name, "network-acl", direction, (), endpoint, default=DEFAULT_NACL)


def _pods_layer(graph: NetworkGraph, endpoint: Endpoint, name: str, direction: str) -> Layer:
    model, workloads, folder = graph.pods[endpoint.name]
    context = MappingProxyType({"model": model, "workloads": workloads, "folder": folder})
    return Layer(name, "network-policy", direction, (), endpoint, context=context)
