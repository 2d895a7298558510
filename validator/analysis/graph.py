"""The graph: endpoints and forwarders as nodes, the hops traffic can take between them as edges, each hop with
the enforcement points it crosses.

Built once by ``build_graph`` and never changed afterwards (frozen: routes and verdicts are pure functions of
it, so the order of the questions asked cannot change an answer). Nodes are the topology's endpoints and the
forwarders: the declared proxies and a stand-in for every proxy URL a client names that no declared proxy
answers to. Edges: a direct hop between any two endpoints (IP reaches every address; the layers on the way
decide), and the proxy edges fixed by the clients' settings (client → its proxy; proxy → every destination).
Firewalls are not nodes a route chooses: a firewall whose boundary a hop crosses is a layer of that hop.

Knows the semantics of *placement* (a cluster's traffic leaves through its own groups and enters through the
destination's), nothing about file formats or Palette's requirements. Security-group references are
resolved here: a reference matches the members of the group (A4), i.e. the addresses of every endpoint the
topology binds to that group and of every network interface the inventory puts in it; a prefix list matches
its declared entries.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from validator.model.errors import InputError
from validator.model.inventory import Inventory
from validator.model.proxy_settings import ProxyURL
from validator.model.rules import EnforcementPoint, Rule, SourceRef, Unknown
from validator.model.sets import AddressSet, PortSet
from validator.model.topology import Endpoint, Topology

NO_CONTEXT: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Layer:
    """Enforcement points met on one side of a hop, evaluated together.

    ``direction`` is the rule direction that applies (egress on the sender's side, ingress on the
    receiver's). Several security groups on one interface form one layer (their rules are a union, A1).
    ``default`` documents a layer that no scanned file declares but a platform applies (the VPC's default
    network ACL, N1): it has no points and allows by that documented default.
    """

    name: str
    kind: str
    direction: str
    points: tuple[EnforcementPoint, ...]
    endpoint: Endpoint
    scope: AddressSet | None = None  # applies only to this endpoint's addresses (a subnet's ACL)
    reverse: bool = False  # evaluated on the return leg (stateless layers, N3)
    proxy: Any = None  # kind "proxy": the proxy's access policy (SquidConfig, ProxyRules) or None if unknown
    # kind "proxy": the tunnelled request; "network-policy": the pods
    context: Mapping[str, Any] = field(default_factory=lambda: NO_CONTEXT)
    default: str = ""  # a documented default that decides this layer (see above)


@dataclass(frozen=True)
class Hop:
    """Traffic from one endpoint to the next, through the layers on the way, in order.

    ``ports`` are the destination ports on this hop when they differ from the flow's (the proxy's listening
    port on the way to a proxy; the part of a flow's ports a route carries)."""

    src: Endpoint
    dst: Endpoint
    layers: tuple[Layer, ...] = ()
    ports: PortSet | None = None
    note: str = ""  # why traffic takes this hop (a proxy setting, a NO_PROXY entry)


@dataclass(frozen=True)
class Edge:
    """A way traffic can go that the topology fixes: ``to-proxy`` (a client's proxy setting) or
    ``from-proxy`` (a proxy connects to the destination on the client's behalf)."""

    src: str
    dst: str
    kind: str
    via: str = ""  # to-proxy: the proxy URL as the client's settings write it

    def to_json(self) -> dict[str, str]:
        return {"source": self.src, "destination": self.dst, "kind": self.kind, "via": self.via}


@dataclass(frozen=True)
class NetworkGraph:
    """The immutable graph every route and verdict is computed from (see the module's docstring).

    ``memo`` holds values computed from the frozen data on first use (resolved peers, the evaluators' rule
    indexes, hops): caches of pure functions, never a change of the graph.
    """

    inventory: Inventory
    topology: Topology
    nodes: Mapping[str, Endpoint]  # every endpoint and forwarder by name
    edges: tuple[Edge, ...]  # the proxy edges (direct hops exist between any two endpoints)
    alias: Mapping[str, str]  # groups, ACLs, prefix lists
    members: Mapping[str, AddressSet]
    firewall_points: Mapping[str, EnforcementPoint]
    subnet_alias: Mapping[str, str]
    # per endpoint name: the cluster's NetworkPolicy model, the pods that play its role (agent, serving) and
    # the manifests folder (``pods.place_pods``)
    pods: Mapping[str, tuple[Any, tuple[Any, ...], str]]
    proxies_by_url: Mapping[str, str]  # a proxy URL's text → the node that answers to it
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict, compare=False, repr=False)

    def cache(self, name: str) -> dict[Any, Any]:
        """A memo table of values derived from the frozen graph (perf)."""
        return self.memo.setdefault(name, {})

    def proxy_node(self, url: ProxyURL) -> Endpoint:
        return self.nodes[self.proxies_by_url[str(url)]]

    def groups_of(self, endpoint: Endpoint) -> list[EnforcementPoint]:
        return [self.inventory.points[self.alias[g]] for g in endpoint.security_groups]

    def peer_addresses(self, rule: Rule) -> tuple[AddressSet, tuple[Unknown, ...]]:
        """The addresses a rule's peer matches, and what about the rule is unknown: the loader's ``unknowns``
        and the group and prefix-list references the scanned files do not declare."""
        cache = self.cache("peers")
        cached = cache.get(id(rule))
        if cached is not None:
            return cached[1]
        peer = rule.peer
        addresses = peer.addresses
        unknown = list(rule.unknowns)
        for group in peer.groups:
            key = self.alias.get(group, group if group in self.inventory.group_members else None)
            if key is None:
                unknown.append(Unknown("group", "the group is not declared in the scanned files", group, rule.source))
                continue
            addresses = addresses | self.members.get(key, AddressSet())
        for plist in peer.prefix_lists:
            key = self.alias.get(plist)
            if key is None or key not in self.inventory.prefix_lists:
                reason = "the prefix list is not declared in the scanned files"
                unknown.append(Unknown("prefix_list", reason, plist, rule.source))
                continue
            declared = self.inventory.prefix_lists[key]
            for entry in declared.unknowns:  # an entry the configs do not fix: the list may hold any address
                reason = f"prefix list {declared.name}: {entry.reason}"
                unknown.append(Unknown("prefix_list", reason, entry.expression, entry.source or rule.source))
            addresses = addresses | declared.addresses
        result = (addresses, tuple(unknown))
        cache[id(rule)] = (rule, result)  # the rule is kept so its id is never reused while cached
        return result

    def nacls_of(self, endpoint: Endpoint) -> tuple[list[tuple[EnforcementPoint, AddressSet]], list[str]]:
        """The network ACL of each of the endpoint's subnets, with the addresses it covers (N1), and the
        subnets with no declared association (the VPC's default ACL applies to them)."""
        out: dict[str, tuple[EnforcementPoint, AddressSet]] = {}
        defaults: list[str] = []
        for ref in endpoint.subnets:
            key = self.subnet_alias.get(ref, ref)
            subnet = self.inventory.subnets.get(key)
            names = {ref, key, *(subnet.aliases if subnet else ())}
            assoc = next(
                (self.inventory.nacl_associations[n] for n in sorted(names) if n in self.inventory.nacl_associations),
                None,
            )
            if assoc is None:
                defaults.append(ref)
                continue
            acl = self.inventory.points[self.alias.get(assoc[0], assoc[0])]
            scope = endpoint.addresses & subnet.addresses if subnet and subnet.addresses else endpoint.addresses
            prev = out.get(acl.key)
            out[acl.key] = (acl, prev[1] | scope if prev else scope)
        return [out[k] for k in sorted(out)], defaults

    def firewalls_between(self, src: Endpoint, dst: Endpoint) -> list[EnforcementPoint]:
        """Firewalls whose boundary the traffic crosses: exactly one end is behind it."""
        out = []
        for placement in sorted(self.topology.firewalls, key=lambda f: f.name):
            inside = {e.name for e in placement.protects}
            if (src.name in inside) != (dst.name in inside):
                out.append(self.firewall_points[placement.name])
        return out

    def proxy_config(self, proxy: Endpoint) -> Any:
        path = proxy.extra.get("config")
        return None if path is None else self.inventory.proxy_configs.get(path)


def _resolve_groups(topology: Topology, alias: Mapping[str, str], inventory: Inventory) -> None:
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


def _check_proxy_configs(topology: Topology, inventory: Inventory) -> None:
    """A proxy whose config was not loaded is an error, even when no route uses it."""
    for proxy in topology.role("proxy"):
        path = proxy.extra.get("config")
        if path is not None and path not in inventory.proxy_configs:
            raise InputError(
                f"proxy {proxy.name}: config {path!r} is not a squid.conf or ProxyRules file that was loaded",
                file=topology.path,
                line=proxy.source.line,
                hint=f"loaded proxy configs: {', '.join(sorted(inventory.proxy_configs)) or 'none'}",
            )


def _firewall_points(topology: Topology, inventory: Inventory) -> dict[str, EnforcementPoint]:
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
    return walls


def _proxy_nodes(topology: Topology) -> tuple[dict[str, Endpoint], dict[str, str], list[Edge]]:
    """The forwarders a client's settings reach (declared proxies by address or name, else a stand-in per
    URL) and the edges the settings fix: client → proxy, proxy → every endpoint that is not a proxy."""
    declared = sorted(topology.role("proxy"), key=lambda e: e.name)
    nodes: dict[str, Endpoint] = {}
    by_url: dict[str, str] = {}
    edges: list[Edge] = []
    for client in topology.endpoints:
        settings = client.extra.get("proxy_settings")
        if settings is None:
            continue
        for url in (settings.https_proxy, settings.http_proxy):
            if url is None:
                continue
            if str(url) not in by_url:
                address = url.address
                node = next(
                    (
                        e
                        for e in declared
                        if (address is not None and e.addresses.covers(address)) or e.name == url.host
                    ),
                    None,
                )
                if node is None:
                    node = Endpoint(
                        f"proxy {url.host}",
                        "proxy",
                        address or AddressSet.everything(),
                        SourceRef(topology.path, None, "topology"),
                        external=True,
                    )
                    nodes[node.name] = node
                by_url[str(url)] = node.name
            edge = Edge(client.name, by_url[str(url)], "to-proxy", str(url))
            if edge not in edges:
                edges.append(edge)
    forwarders = sorted({*(e.name for e in declared), *nodes})
    for proxy in forwarders:
        edges.extend(Edge(proxy, e.name, "from-proxy") for e in topology.endpoints if e.role != "proxy")
    return nodes, by_url, sorted(edges, key=lambda e: (e.kind, e.src, e.dst, e.via))


def build_graph(
    inventory: Inventory, topology: Topology, pods: Mapping[str, tuple[Any, list[Any], str]] | None = None
) -> NetworkGraph:
    """The graph of a run, once: resolve the topology's references, compute group members, fix the nodes
    and the proxy edges. ``pods``: the Kubernetes placement (``pods.place_pods``), when manifests were read."""
    alias = inventory.alias_index()
    _resolve_groups(topology, alias, inventory)
    _check_proxy_configs(topology, inventory)
    members: dict[str, AddressSet] = {}
    for group, addresses in sorted(inventory.group_members.items()):  # interfaces the cloud reports in the group
        key = alias.get(group, group)
        members[key] = members.get(key, AddressSet()) | addresses
    for endpoint in topology.endpoints:
        for group in endpoint.security_groups:
            key = alias[group]
            members[key] = members.get(key, AddressSet()) | endpoint.addresses
    stand_ins, by_url, edges = _proxy_nodes(topology)
    nodes = {e.name: e for e in topology.endpoints}
    nodes.update(stand_ins)
    placed = {name: (model, tuple(workloads), folder) for name, (model, workloads, folder) in (pods or {}).items()}
    return NetworkGraph(
        inventory,
        topology,
        MappingProxyType(nodes),
        tuple(edges),
        MappingProxyType(alias),
        MappingProxyType(members),
        MappingProxyType(_firewall_points(topology, inventory)),
        MappingProxyType(inventory.alias_index("subnet")),
        MappingProxyType(placed),
        MappingProxyType(by_url),
    )
