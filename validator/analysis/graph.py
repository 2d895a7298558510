"""The graph: endpoints (roles) as nodes, the ways traffic can go between them as edges, and every
enforcement point attached where it applies.

Knows semantics of *placement* (a cluster's traffic leaves through its own groups and enters through the
destination's), nothing about file formats or Palette's requirements. Security-group references are
resolved here: a reference matches the members of the group (A4), i.e. the addresses of every endpoint
the topology binds to that group and of every network interface the inventory puts in it; a prefix list
matches its declared entries.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from validator.model.errors import InputError
from validator.model.inventory import Inventory
from validator.model.rules import EnforcementPoint, Peer, Rule, SourceRef
from validator.model.sets import AddressSet
from validator.model.topology import Endpoint, Topology


@dataclass
class Layer:
    """Enforcement points met on one side of a hop, evaluated together.

    ``direction`` is the rule direction that applies (egress on the sender's side, ingress on the
    receiver's). Several security groups on one interface form one layer (their rules are a union, A1).
    """

    name: str
    kind: str
    direction: str
    points: list[EnforcementPoint]
    endpoint: Endpoint
    scope: AddressSet | None = None  # applies only to this endpoint's addresses (a subnet's ACL)
    reverse: bool = False  # evaluated on the return leg (stateless layers, N3)
    proxy: Any = None  # kind "proxy": the proxy's access policy (SquidConfig, ProxyRules) or None if unknown
    context: dict[str, Any] = field(default_factory=dict)  # kind "proxy": the tunnelled request


@dataclass
class Hop:
    """Traffic from one endpoint to the next, through the layers on the way, in order."""

    src: Endpoint
    dst: Endpoint
    layers: list[Layer] = field(default_factory=list)
    port: int | None = None  # a port override for this hop (the proxy's listening port)
    note: str = ""  # why traffic takes this hop (a proxy setting, a NO_PROXY entry)


@dataclass
class NetworkGraph:
    inventory: Inventory
    topology: Topology
    graph: nx.DiGraph
    alias: dict[str, str]  # groups, ACLs, prefix lists
    members: dict[str, AddressSet]
    firewall_points: dict[str, EnforcementPoint] = field(default_factory=dict)
    subnet_alias: dict[str, str] = field(default_factory=dict)
    # per endpoint name: the cluster's NetworkPolicy model, the pods that play its role (agent, serving) and
    # the manifests folder (``pods.place_pods``)
    pods: dict[str, tuple[Any, list[Any], str]] = field(default_factory=dict)
    _peer_cache: dict[int, tuple[AddressSet, tuple[str, ...]]] = field(default_factory=dict)
    _forwarders_cache: tuple[int, set[str]] | None = None
    # layers_ordered.py's per-layer rule index (perf), keyed by (point keys, direction, protocol, ports)
    rule_index: dict[tuple[object, ...], object] = field(default_factory=dict)

    @property
    def topology_source(self) -> SourceRef:
        return SourceRef(self.topology.path, None, "topology")

    def groups_of(self, endpoint: Endpoint) -> list[EnforcementPoint]:
        return [self.inventory.points[self.alias[g]] for g in endpoint.security_groups]

    def peer_addresses(self, rule: Rule) -> tuple[AddressSet, tuple[str, ...]]:
        """The addresses a rule's peer matches, and what about it is unknown."""
        cached = self._peer_cache.get(id(rule))
        if cached is not None:
            return cached
        peer: Peer = rule.peer
        addresses = peer.addresses
        unknown = [u.describe() for u in rule.unknowns]
        for group in peer.groups:
            key = self.alias.get(group, group if group in self.inventory.group_members else None)
            if key is None:
                unknown.append(f"group {group} is not declared in the scanned files")
                continue
            addresses = addresses | self.members.get(key, AddressSet())
        for plist in peer.prefix_lists:
            key = self.alias.get(plist)
            if key is None or key not in self.inventory.prefix_lists:
                unknown.append(f"prefix list {plist} is not declared in the scanned files")
                continue
            declared = self.inventory.prefix_lists[key]
            unknown.extend(f"prefix list {declared.name}: {u.describe()}" for u in declared.unknowns)
            addresses = addresses | declared.addresses
        result = (addresses, tuple(unknown))
        self._peer_cache[id(rule)] = result
        return result

    def nacls_of(self, endpoint: Endpoint) -> list[tuple[EnforcementPoint, AddressSet]]:
        """The network ACL of each of the endpoint's subnets, with the addresses it covers (N1)."""
        out: dict[str, tuple[EnforcementPoint, AddressSet]] = {}
        for ref in endpoint.subnets:
            key = self.subnet_alias.get(ref, ref)
            subnet = self.inventory.subnets.get(key)
            names = {ref, key, *(subnet.aliases if subnet else ())}
            assoc = next(
                (self.inventory.nacl_associations[n] for n in names if n in self.inventory.nacl_associations), None
            )
            if assoc is None:
                continue  # the VPC's default ACL, not declared here: allows everything (N1)
            acl = self.inventory.points[self.alias.get(assoc[0], assoc[0])]
            scope = endpoint.addresses & subnet.addresses if subnet and subnet.addresses else endpoint.addresses
            prev = out.get(acl.key)
            out[acl.key] = (acl, prev[1] | scope if prev else scope)
        return list(out.values())

    def forwarders(self) -> set[str]:
        """Nodes marked ``forwards``, computed once per node count (perf: paths() runs per binding)."""
        count = self.graph.number_of_nodes()
        if self._forwarders_cache is None or self._forwarders_cache[0] != count:
            self._forwarders_cache = (count, {n for n, d in self.graph.nodes(data=True) if d.get("forwards")})
        return self._forwarders_cache[1]

    def direct_hop(self, src: Endpoint, dst: Endpoint) -> Hop:
        """One hop, in the order packets meet the layers (N4): the sender's groups, the sender's subnet ACL
        outbound, the receiver's subnet ACL inbound, the receiver's groups; then the return leg through both
        ACLs, which are stateless (N3). Traffic inside one subnet does not cross its ACL."""
        hop = Hop(src, dst)
        src_groups, dst_groups = self.groups_of(src), self.groups_of(dst)
        same_subnets = bool(src.subnets) and set(src.subnets) == set(dst.subnets)
        src_acls = [] if same_subnets else self.nacls_of(src)
        dst_acls = [] if same_subnets else self.nacls_of(dst)
        if src.name in self.pods and src.role == "workload":
            model, workloads, folder = self.pods[src.name]
            hop.layers.append(
                Layer(
                    f"NetworkPolicy egress of {src.name}'s Palette agent",
                    "network-policy",
                    "egress",
                    [],
                    src,
                    context={"model": model, "workloads": workloads, "folder": folder},
                )
            )
        if src_groups:
            names = ", ".join(g.name for g in src_groups)
            hop.layers.append(Layer(f"egress of {src.name} ({names})", "security-group", "egress", src_groups, src))
        for acl, scope in src_acls:
            hop.layers.append(
                Layer(f"outbound ACL of {src.name} ({acl.name})", "network-acl", "egress", [acl], src, scope=scope)
            )
        crossed = self.firewalls_between(src, dst)
        for wall in crossed:
            hop.layers.append(Layer(f"firewall {wall.name}", "firewall", "forward", [wall], src))
        for acl, scope in dst_acls:
            hop.layers.append(
                Layer(f"inbound ACL of {dst.name} ({acl.name})", "network-acl", "ingress", [acl], dst, scope=scope)
            )
        if dst_groups:
            names = ", ".join(g.name for g in dst_groups)
            hop.layers.append(Layer(f"ingress of {dst.name} ({names})", "security-group", "ingress", dst_groups, dst))
        if dst.name in self.pods and dst.role == "management":
            model, workloads, folder = self.pods[dst.name]
            hop.layers.append(
                Layer(
                    f"NetworkPolicy ingress of {dst.name}'s serving pods",
                    "network-policy",
                    "ingress",
                    [],
                    dst,
                    context={"model": model, "workloads": workloads, "folder": folder},
                )
            )
        for acl, scope in dst_acls:
            hop.layers.append(
                Layer(
                    f"return traffic: outbound ACL of {dst.name} ({acl.name})",
                    "network-acl",
                    "egress",
                    [acl],
                    dst,
                    scope=scope,
                    reverse=True,
                )
            )
        for wall in crossed:
            if not wall.stateful:
                hop.layers.append(
                    Layer(
                        f"return traffic: firewall {wall.name} (stateless)",
                        "firewall",
                        "forward",
                        [wall],
                        dst,
                        reverse=True,
                    )
                )
        for acl, scope in src_acls:
            hop.layers.append(
                Layer(
                    f"return traffic: inbound ACL of {src.name} ({acl.name})",
                    "network-acl",
                    "ingress",
                    [acl],
                    src,
                    scope=scope,
                    reverse=True,
                )
            )
        return hop

    def firewalls_between(self, src: Endpoint, dst: Endpoint) -> list[EnforcementPoint]:
        """Firewalls whose boundary the traffic crosses: exactly one end is behind it."""
        out = []
        for placement in self.topology.firewalls:
            inside = {e.name for e in placement.protects}
            if (src.name in inside) != (dst.name in inside):
                out.append(self.firewall_points[placement.name])
        return out

    def proxy_config(self, proxy: Endpoint) -> Any:
        path = proxy.extra.get("config")
        if path is None:
            return None
        config = self.inventory.proxy_configs.get(path)
        if config is None:
            raise InputError(
                f"proxy {proxy.name}: config {path!r} is not a squid.conf or ProxyRules file that was loaded",
                file=self.topology.path,
                line=proxy.source.line,
                hint=f"loaded proxy configs: {', '.join(sorted(self.inventory.proxy_configs)) or 'none'}",
            )
        return config


def _resolve_groups(topology: Topology, alias: dict[str, str], inventory: Inventory) -> None:
    names = sorted(alias)
    subnet_names = inventory.alias_index("subnet")
    ambiguous_by_kind = {kind: inventory.ambiguous_aliases(kind) for kind in ("group", "subnet")}
    for endpoint in topology.endpoints:
        for kind, refs in (("group", endpoint.security_groups), ("subnet", endpoint.subnets)):
            ambiguous = ambiguous_by_kind[kind]
            for ref in refs:
                if ref in ambiguous:
                    raise InputError(
                        f"{endpoint.name}: {ref!r} names more than one resource",
                        file=topology.path,
                        line=endpoint.source.line,
                        hint=f"use one of {', '.join(ambiguous[ref][:4])}",
                    )
    associated = set(inventory.nacl_associations)
    for endpoint in topology.endpoints:
        for subnet in endpoint.subnets:
            if subnet not in subnet_names and subnet not in associated:
                close = difflib.get_close_matches(subnet, [*sorted(inventory.subnets), *sorted(associated)], n=1)
                hint = f"did you mean {close[0]!r}?" if close else "declare the subnet or its ACL association"
                raise InputError(
                    f"{endpoint.name}: subnet {subnet!r} is not declared in any loaded file",
                    file=topology.path,
                    line=endpoint.source.line,
                    hint=hint,
                )
        for group in endpoint.security_groups:
            if group not in alias:
                close = difflib.get_close_matches(group, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "declare the group in a scanned file"
                raise InputError(
                    f"{endpoint.name}: security group {group!r} is not declared in any loaded file",
                    file=topology.path,
                    line=endpoint.source.line,
                    hint=hint,
                )


def build_graph(inventory: Inventory, topology: Topology) -> NetworkGraph:
    """Attach groups to endpoints, compute group members, add one node per endpoint."""
    alias = inventory.alias_index()
    _resolve_groups(topology, alias, inventory)
    members: dict[str, AddressSet] = {}
    for group, addresses in inventory.group_members.items():  # interfaces the cloud reports in the group
        key = alias.get(group, group)
        members[key] = members.get(key, AddressSet()) | addresses
    for endpoint in topology.endpoints:
        for group in endpoint.security_groups:
            key = alias[group]
            members[key] = members.get(key, AddressSet()) | endpoint.addresses
    graph = nx.DiGraph()
    for endpoint in topology.endpoints:
        graph.add_node(endpoint.name, endpoint=endpoint, forwards=endpoint.role == "proxy")
    network = NetworkGraph(inventory, topology, graph, alias, members, subnet_alias=inventory.alias_index("subnet"))
    for proxy in topology.role("proxy"):
        network.proxy_config(proxy)  # a proxy whose config was not loaded is an error even when unused
    walls: dict[str, EnforcementPoint] = {}
    for placement in topology.firewalls:
        rules = inventory.firewall_sets.get(placement.rules)
        if rules is None:
            raise InputError(
                f"firewall {placement.name}: rules file {placement.rules!r} was not loaded",
                file=topology.path,
                line=placement.source.line,
                hint=f"loaded FirewallRules files: {', '.join(sorted(inventory.firewall_sets)) or 'none'}",
            )
        walls[placement.name] = rules.to_enforcement_point()
    network.firewall_points = walls
    return network
