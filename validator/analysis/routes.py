"""Routes: the hops a flow takes, as a pure function of the frozen graph and the flow.

There is no choice of path to search: traffic goes direct, or through the proxy the client's settings name
when they send the request there (Go's NO_PROXY rules, ``proxy_env``). A flow whose destinations or ports
the settings treat differently (a NO_PROXY entry matching one of the destination's host names, part of its
addresses or one of the ports) takes several routes, one per part; each part must get through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType

from validator.analysis.graph import Hop, Layer, NetworkGraph
from validator.analysis.hops import direct_hop
from validator.analysis.layers_proxy import port_atoms
from validator.analysis.proxy_env import proxy_for
from validator.model.proxy_settings import ProxySettings
from validator.model.sets import AddressSet, PortSet, as_ports
from validator.model.topology import Endpoint


@dataclass(frozen=True)
class Flow:
    """What a requirement (or ``explain``) asks: ``protocol``/``ports`` from ``src`` to ``dst``; ``via_proxy``
    when the client's proxy settings apply (Palette's agent honours HTTPS_PROXY)."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    ports: PortSet
    via_proxy: bool = False


@dataclass(frozen=True)
class Path:
    """One way a part of a flow goes: its hops, in order."""

    hops: tuple[Hop, ...]


@dataclass(frozen=True)
class Route:
    """Every way the flow goes: one path, or one per part the proxy settings treat differently."""

    flow: Flow
    paths: tuple[Path, ...]


@dataclass
class _Part:
    """A part of the flow that leaves the client the same way: through ``proxy`` (a URL's text) or direct."""

    proxy: str
    hosts: list[str]
    addresses: AddressSet
    ports: PortSet
    reasons: list[str]


def route(graph: NetworkGraph, flow: Flow) -> Route:
    """The paths the flow takes (see the module's docstring)."""
    src, dst = flow.src, flow.dst
    settings = src.extra.get("proxy_settings")
    if not (flow.via_proxy and settings is not None):
        return Route(flow, (Path((direct_hop(graph, src, dst),)),))
    parts = _parts(settings, dst, flow.ports)
    paths = []
    for part in parts:
        target = dst if part.addresses == dst.addresses else replace(dst, addresses=part.addresses)
        ports = None if part.ports == flow.ports else part.ports
        because = "; ".join(dict.fromkeys(part.reasons))
        if not part.proxy:
            hop = direct_hop(graph, src, target)
            paths.append(Path((replace(hop, ports=ports, note=f"direct, not through the proxy: {because}"),)))
            continue
        url = settings.https_proxy
        assert url is not None and str(url) == part.proxy
        proxy = graph.proxy_node(url)
        config = graph.proxy_config(proxy)
        first = direct_hop(graph, src, proxy)
        onward = direct_hop(graph, proxy, target)
        for atom in port_atoms(config, part.ports):  # one CONNECT decision per piece of the ports
            context = {"hosts": tuple(part.hosts) or (None,), "dst": part.addresses, "ports": atom, "method": "CONNECT"}
            layer = Layer(
                f"proxy {proxy.name} access rules",
                "proxy",
                "ingress",
                (),
                proxy,
                proxy=config,
                context=MappingProxyType(context),
            )
            to_proxy = replace(
                first,
                layers=(*first.layers, layer),
                ports=PortSet.range(url.port),
                note=f"through the proxy {url} ({because})",
            )
            onward_ports = None if atom == flow.ports else atom
            note = f"the proxy {proxy.name} connects to {dst.name}"
            paths.append(Path((to_proxy, replace(onward, ports=onward_ports, note=note))))
    return Route(flow, tuple(paths))


def _port_classes(settings: ProxySettings, ports: PortSet) -> list[PortSet]:
    """The flow's ports in classes NO_PROXY treats alike: each port a NO_PROXY entry names, then the rest."""
    named = sorted({int(e.port) for e in settings.no_proxy if e.port and e.port.isdigit() and int(e.port) in ports})
    classes = [PortSet.range(p) for p in named]
    rest = as_ports(ports - PortSet((p, p) for p in named))
    return [*classes, rest] if rest else classes


def _parts(settings: ProxySettings, dst: Endpoint, ports: PortSet) -> list[_Part]:
    """Split the flow by where the settings send it (https: Palette's agents speak TLS to Palette)."""
    parts: dict[tuple[str, tuple[str, ...], AddressSet], _Part] = {}

    def add(proxy: str, hosts: tuple[str, ...], addresses: AddressSet, cls: PortSet, reason: str) -> None:
        key = (proxy, hosts, addresses)
        part = parts.get(key)
        if part is None:
            parts[key] = _Part(proxy, list(hosts), addresses, cls, [reason])
        else:
            part.ports = as_ports(part.ports | cls)
            part.reasons.append(reason)

    for cls in _port_classes(settings, ports):
        port = cls.intervals[0][0]
        if dst.hosts:
            by_way: dict[str, list[tuple[str, str]]] = {}
            for host in dst.hosts:
                routed = proxy_for(settings, host, None, port, scheme="https")
                by_way.setdefault(str(routed.proxy or ""), []).append((host, routed.reason))
            for way, hosts in by_way.items():
                add(way, tuple(h for h, _ in hosts), dst.addresses, cls, "; ".join(r for _, r in hosts))
            continue
        routed = proxy_for(settings, None, dst.addresses, port, scheme="https")
        if routed.direct:
            add("", (), routed.direct, cls, routed.reason)
        if routed.proxied and routed.proxy is not None:
            add(str(routed.proxy), (), routed.proxied, cls, routed.reason)
    return list(parts.values())
