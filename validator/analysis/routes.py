"""Routes: the hops traffic takes from one endpoint to another.

Through the client's HTTPS proxy when its settings send it there (not excluded by NO_PROXY, Go's rules:
``proxy_env``), else direct; only forwarders (proxies, firewalls) may stand between the two ends.
"""

from __future__ import annotations

import networkx as nx

from validator.analysis.graph import Hop, Layer, NetworkGraph
from validator.analysis.proxy_env import proxy_for
from validator.model.proxy_settings import ProxyURL
from validator.model.sets import AddressSet
from validator.model.topology import Endpoint


def route(graph: NetworkGraph, src: Endpoint, dst: Endpoint, port: int, via_proxy: bool) -> list[Hop]:
    """The hops traffic takes: through the client's HTTPS proxy when its settings send it there (not
    excluded by NO_PROXY), else direct. The proxy's own access rules end the first hop."""
    settings = src.extra.get("proxy_settings")
    if not (via_proxy and settings is not None):
        return paths(graph, src, dst)[0]
    host = dst.hosts[0] if dst.hosts else None
    routed = proxy_for(settings, host, None if host else dst.addresses, port, scheme="https")
    if routed.proxy is None:
        hops = paths(graph, src, dst)[0]
        hops[0].note = f"direct, not through the proxy: {routed.reason}"
        return hops
    proxy = proxy_endpoint(graph, routed.proxy)
    to_proxy = graph.direct_hop(src, proxy)
    to_proxy.port = routed.proxy.port
    to_proxy.note = f"through the proxy {routed.proxy} ({routed.reason})"
    config = graph.proxy_config(proxy)
    to_proxy.layers.append(
        Layer(
            f"proxy {proxy.name} access rules",
            "proxy",
            "ingress",
            [],
            proxy,
            proxy=config,
            context={"hosts": list(dst.hosts) or [None], "dst": dst.addresses, "port": port, "method": "CONNECT"},
        )
    )
    onward = graph.direct_hop(proxy, dst)
    onward.note = f"the proxy {proxy.name} connects to {dst.name}"
    graph.graph.add_edge(src.name, proxy.name)
    graph.graph.add_edge(proxy.name, dst.name)
    return [to_proxy, onward]


def proxy_endpoint(graph: NetworkGraph, url: ProxyURL) -> Endpoint:
    """The topology's proxy that a proxy URL points at (by address or name), else a stand-in."""
    address = url.address
    for endpoint in graph.topology.role("proxy"):
        if (address is not None and endpoint.addresses.covers(address)) or endpoint.name == url.host:
            return endpoint
    stand_in = Endpoint(f"proxy {url.host}", "proxy", address or AddressSet(), graph.topology_source, external=True)
    if not stand_in.addresses:
        stand_in.addresses = AddressSet.everything()
    return stand_in


def paths(graph: NetworkGraph, src: Endpoint, dst: Endpoint) -> list[list[Hop]]:
    """Every way from src to dst (simple paths), each as its hops.

    Only forwarders (proxies, firewalls: nodes marked ``forwards``) may stand between the two ends;
    an ordinary endpoint is a destination, not a router.
    """
    if src.name == dst.name:  # within one group of nodes (node to node)
        return [[graph.direct_hop(src, dst)]]
    if not graph.graph.has_edge(src.name, dst.name):
        graph.graph.add_edge(src.name, dst.name)
    forwarders = graph.forwarders()
    if not forwarders - {src.name, dst.name}:  # perf: nothing can stand between them, one direct hop
        return [[graph.direct_hop(src, dst)]]
    allowed = {src.name, dst.name} | forwarders
    view = graph.graph.subgraph(allowed)
    out = []
    for nodes in nx.all_simple_paths(view, src.name, dst.name, cutoff=3):
        hops = []
        for a, b in zip(nodes, nodes[1:], strict=False):
            hops.append(graph.direct_hop(graph.graph.nodes[a]["endpoint"], graph.graph.nodes[b]["endpoint"]))
        out.append(hops)
    return out
