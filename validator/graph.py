"""The graph: endpoints (roles) as nodes, the ways traffic can go between them as edges, and every
enforcement point attached where it applies.

Knows semantics of *placement* (a cluster's traffic leaves through its own groups and enters through the
destination's), nothing about file formats or Palette's requirements. Security-group references are
resolved here: a reference matches the members of the group (A4), i.e. the addresses of every endpoint
the topology binds to that group; a prefix list matches its declared entries.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import networkx as nx

from .errors import InputError
from .model import AddressSet, EnforcementPoint, Inventory, Peer, Rule
from .topology import Endpoint, Topology


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


@dataclass
class Hop:
    """Traffic from one endpoint to the next, through the layers on the way, in order."""

    src: Endpoint
    dst: Endpoint
    layers: list[Layer] = field(default_factory=list)
    port: int | None = None  # a port override for this hop (the proxy's listening port)


@dataclass
class NetworkGraph:
    inventory: Inventory
    topology: Topology
    graph: nx.DiGraph
    alias: dict[str, str]
    members: dict[str, AddressSet]
    _peer_cache: dict[int, tuple[AddressSet, tuple[str, ...]]] = field(default_factory=dict)
    _forwarders_cache: tuple[int, set[str]] | None = None
    # reach.py's per-layer rule index (perf), keyed by (point keys, direction, protocol, ports)
    rule_index: dict[tuple[object, ...], object] = field(default_factory=dict)

    def groups_of(self, endpoint: Endpoint) -> list[EnforcementPoint]:
        return [self.inventory.points[self.alias[g]] for g in endpoint.security_groups]

    def peer_addresses(self, rule: Rule) -> tuple[AddressSet, tuple[str, ...]]:
        """The addresses a rule's peer matches, and what about it is unknown."""
        cached = self._peer_cache.get(id(rule))
        if cached is not None:
            return cached
        peer: Peer = rule.peer
        addresses = peer.addresses
        unknown = list(peer.unresolved)
        for group in peer.groups:
            key = self.alias.get(group)
            if key is None:
                unknown.append(f"group {group} is not declared in the scanned files")
                continue
            addresses = addresses | self.members.get(key, AddressSet())
        for plist in peer.prefix_lists:
            key = self.alias.get(plist)
            if key is None or key not in self.inventory.prefix_lists:
                unknown.append(f"prefix list {plist} is not declared in the scanned files")
                continue
            addresses = addresses | self.inventory.prefix_lists[key].addresses
        result = (addresses, tuple(unknown))
        self._peer_cache[id(rule)] = result
        return result

    def _forwarders(self) -> set[str]:
        """Nodes marked ``forwards``, computed once per node count (perf: paths() runs per binding)."""
        count = self.graph.number_of_nodes()
        if self._forwarders_cache is None or self._forwarders_cache[0] != count:
            self._forwarders_cache = (count, {n for n, d in self.graph.nodes(data=True) if d.get("forwards")})
        return self._forwarders_cache[1]

    def direct_hop(self, src: Endpoint, dst: Endpoint) -> Hop:
        """The one-hop path: the sender's groups (egress), then the receiver's groups (ingress)."""
        hop = Hop(src, dst)
        src_groups = self.groups_of(src)
        dst_groups = self.groups_of(dst)
        if src_groups:
            names = ", ".join(g.name for g in src_groups)
            hop.layers.append(Layer(f"egress of {src.name} ({names})", "security-group", "egress", src_groups, src))
        if dst_groups:
            names = ", ".join(g.name for g in dst_groups)
            hop.layers.append(Layer(f"ingress of {dst.name} ({names})", "security-group", "ingress", dst_groups,
                                    dst))
        return hop

    def paths(self, src: Endpoint, dst: Endpoint) -> list[list[Hop]]:
        """Every way from src to dst (simple paths), each as its hops.

        Only forwarders (proxies, firewalls: nodes marked ``forwards``) may stand between the two ends;
        an ordinary endpoint is a destination, not a router.
        """
        if src.name == dst.name:  # within one group of nodes (node to node)
            return [[self.direct_hop(src, dst)]]
        if not self.graph.has_edge(src.name, dst.name):
            self.graph.add_edge(src.name, dst.name)
        forwarders = self._forwarders()
        if not forwarders - {src.name, dst.name}:  # perf: nothing can stand between them, one direct hop
            return [[self.direct_hop(src, dst)]]
        allowed = {src.name, dst.name} | forwarders
        view = self.graph.subgraph(allowed)
        out = []
        for nodes in nx.all_simple_paths(view, src.name, dst.name, cutoff=3):
            hops = []
            for a, b in zip(nodes, nodes[1:], strict=False):
                hops.append(self.direct_hop(self.graph.nodes[a]["endpoint"], self.graph.nodes[b]["endpoint"]))
            out.append(hops)
        return out


def _resolve_groups(topology: Topology, alias: dict[str, str], inventory: Inventory) -> None:
    names = sorted(alias)
    for endpoint in topology.endpoints:
        for group in endpoint.security_groups:
            if group not in alias:
                close = difflib.get_close_matches(group, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "declare the group in a scanned file"
                raise InputError(f"{endpoint.name}: security group {group!r} is not declared in any loaded file",
                                 file=topology.path, line=endpoint.source.line, hint=hint)


def build_graph(inventory: Inventory, topology: Topology) -> NetworkGraph:
    """Attach groups to endpoints, compute group members, add one node per endpoint."""
    alias = inventory.alias_index()
    _resolve_groups(topology, alias, inventory)
    members: dict[str, AddressSet] = {}
    for endpoint in topology.endpoints:
        for group in endpoint.security_groups:
            key = alias[group]
            members[key] = members.get(key, AddressSet()) | endpoint.addresses
    graph = nx.DiGraph()
    for endpoint in topology.endpoints:
        graph.add_node(endpoint.name, endpoint=endpoint)
    return NetworkGraph(inventory, topology, graph, alias, members)
