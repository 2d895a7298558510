"""The topology file: which addresses and security groups play which Palette role.

Config files say what is allowed; only the customer knows which group or subnet is the management
platform and which is a workload cluster. ``palette-network.yaml`` (schema: schemas/topology.schema.json)
says so; this module reads it into ``model.topology``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from validator.ingest.documents import line_of, load_document
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.reader import read_text
from validator.ingest.schemas import validate
from validator.model.errors import InputError
from validator.model.proxy_settings import ProxySettings
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet
from validator.model.topology import INTERNET, Endpoint, FirewallPlacement, Topology


def _addresses(values: list[Any], filename: str, line: int | None) -> tuple[AddressSet, bool]:
    line = line_of(values, line)
    out = AddressSet()
    external = False
    for value in values:
        text = str(value).strip()
        if text.lower() == "internet":
            out = out | INTERNET
            external = True
            continue
        try:
            out = out | AddressSet.parse(text)
        except ValueError as exc:
            raise InputError(
                str(exc), file=filename, line=line, hint="write an address, a CIDR such as 10.0.0.0/16, or 'internet'"
            ) from None
    return out, external


def _endpoint(value: Any, name: str, role: str, filename: str, cluster: str | None = None) -> Endpoint:
    line = line_of(value)
    if isinstance(value, list):
        value = {"addresses": value}
    addresses, external = _addresses(value.get("addresses") or [], filename, line)
    if not addresses and value.get("hosts"):
        addresses, external = INTERNET, True  # hostnames only: a service somewhere on the internet
    return Endpoint(
        name=name,
        role=role,
        addresses=addresses,
        source=SourceRef(filename, line, name),
        security_groups=tuple(value.get("security_groups") or ()),
        hosts=tuple(value.get("hosts") or ()),
        subnets=tuple(value.get("subnets") or ()),
        cluster=cluster,
        external=external,
        extra={k: v for k, v in value.items() if k not in ("addresses", "security_groups", "hosts")},
    )


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _host_port(text: str, filename: str, line: int | None) -> tuple[str, int | None]:
    """'10.0.0.1:6443', '[fd00::1]:6443', 'api.example.com:6443', or any of them without the port."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise InputError(f"API port {port!r} is not a port 1-65535", file=filename, line=line)
    return host, int(port) if port else None


def is_host_name(text: str) -> bool:
    """A DNS name (RFC 1123 labels), not an address: letters in its last label."""
    labels = text.rstrip(".").split(".")
    return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def _api(cluster: dict[str, Any], name: str, filename: str, nodes: Endpoint) -> Endpoint:
    """The API server: the nodes (default), an address or host name with an optional port, or an endpoint.
    A host name alone says nothing about where it is: its addresses are the nodes' unless given."""
    api = cluster.get("api")
    line = line_of(cluster)
    groups = tuple(cluster.get("control_plane_security_groups") or cluster.get("security_groups") or ())
    hosts: tuple[str, ...] = ()
    port = None
    addresses = nodes.addresses
    if isinstance(api, str):
        host, port = _host_port(api.strip(), filename, line)
        if is_host_name(host):
            hosts = (host,)
        else:
            try:
                addresses = AddressSet.parse(host)
            except ValueError:
                raise InputError(
                    f"api {api!r} is neither an address nor a host name",
                    file=filename,
                    line=line,
                    hint="write 10.20.1.10:6443, api.prod.example.com:6443 or an object with addresses/hosts",
                ) from None
    elif isinstance(api, dict):
        line = line_of(api, line)
        hosts = tuple(api.get("hosts") or ())
        if api.get("addresses"):
            addresses, _ = _addresses(api["addresses"], filename, line)
        groups = tuple(api.get("security_groups") or cluster.get("security_groups") or ())
        port = api.get("port")
    return Endpoint(
        f"{name}/api",
        "workload-api",
        addresses,
        SourceRef(filename, line, f"{name}.api"),
        security_groups=groups,
        hosts=hosts,
        cluster=name,
        port=port,
        edge=nodes.edge,
    )


def _pcgs(value: Any, filename: str) -> list[Endpoint]:
    """One PCG (an endpoint or its addresses, named pcg) or a list of named ones, each with its proxy."""
    items = value if isinstance(value, list) and value and isinstance(value[0], dict) else [value]
    out = []
    for item in items:
        name = item.get("name", "pcg") if isinstance(item, dict) else "pcg"
        endpoint = _endpoint(item, name, "pcg", filename)
        if isinstance(item, dict) and "proxy" in item:
            endpoint.extra["proxy_settings"] = _proxy_settings(item["proxy"], filename)
        out.append(endpoint)
    return out


def parse_topology(doc: Any, filename: str) -> Topology:
    if doc is None:
        raise InputError(
            "topology file is empty", file=filename, hint="see the README's topology section for an example"
        )
    validate(doc, "topology.schema.json", filename)
    endpoints: list[Endpoint] = [_endpoint(doc["management"], "management", "management", filename)]
    for key, role in (("operators", "browser"), ("vcenter", "vcenter"), ("registries", "registry")):
        if key in doc:
            endpoints.append(_endpoint(doc[key], key, role, filename))
    if "infrastructure" in doc:
        infrastructure = _endpoint(doc["infrastructure"], "infrastructure", "infrastructure", filename)
        infrastructure.port = doc["infrastructure"].get("port")
        endpoints.append(infrastructure)
    for pcg in _pcgs(doc["pcg"], filename) if "pcg" in doc else []:
        if topology_names(endpoints, pcg.name):
            raise InputError(
                f"PCG name {pcg.name!r} is already used",
                file=filename,
                line=pcg.source.line,
                hint="names of clusters, PCGs, proxies and roles must differ",
            )
        endpoints.append(pcg)
    cluster_pcg: dict[str, str] = {}
    seen: dict[str, int | None] = {}
    for cluster in doc["clusters"]:
        name = cluster["name"]
        if name in seen:
            raise InputError(
                f"cluster name {name!r} is used twice (first at line {seen[name]})",
                file=filename,
                line=line_of(cluster),
                hint="cluster names must be unique",
            )
        seen[name] = line_of(cluster)
        nodes = _endpoint(
            {
                "addresses": cluster["nodes"],
                "security_groups": cluster.get("security_groups"),
                "subnets": cluster.get("subnets"),
            },
            name,
            "workload",
            filename,
            cluster=name,
        )
        nodes.source = SourceRef(filename, line_of(cluster), name)
        nodes.extra = {k: v for k, v in cluster.items() if k in ("agent", "subnets", "kubernetes")}
        nodes.edge = bool(cluster.get("edge"))
        if topology_names(endpoints, name):
            raise InputError(
                f"cluster name {name!r} is already used by a PCG or a role",
                file=filename,
                line=line_of(cluster),
                hint="names of clusters, PCGs, proxies and roles must differ",
            )
        if "pcg" in cluster:
            if not any(e.role == "pcg" and e.name == cluster["pcg"] for e in endpoints):
                raise InputError(
                    f"cluster {name}: no PCG named {cluster['pcg']!r}",
                    file=filename,
                    line=line_of(cluster),
                    hint=f"PCGs: {', '.join(e.name for e in endpoints if e.role == 'pcg') or 'none declared'}",
                )
            cluster_pcg[name] = cluster["pcg"]
        endpoints.append(nodes)
        api = _api(cluster, name, filename, nodes)
        api.subnets = nodes.subnets
        endpoints.append(api)
        if "control_plane" in cluster or "control_plane_security_groups" in cluster:
            cp_addresses, _ = _addresses(cluster.get("control_plane") or cluster["nodes"], filename, line_of(cluster))
            endpoints.append(
                Endpoint(
                    f"{name}/control-plane",
                    "workload-control-plane",
                    cp_addresses,
                    SourceRef(filename, line_of(cluster), f"{name}.control_plane"),
                    security_groups=tuple(
                        cluster.get("control_plane_security_groups") or cluster.get("security_groups") or ()
                    ),
                    subnets=nodes.subnets,
                    cluster=name,
                    edge=nodes.edge,
                )
            )
        else:
            endpoints.append(
                Endpoint(
                    f"{name}/control-plane",
                    "workload-control-plane",
                    nodes.addresses,
                    nodes.source,
                    security_groups=nodes.security_groups,
                    subnets=nodes.subnets,
                    cluster=name,
                    edge=nodes.edge,
                )
            )
        if "proxy" in cluster:
            nodes.extra["proxy_settings"] = _proxy_settings(cluster["proxy"], filename)
    for proxy in doc.get("proxies") or []:
        endpoint = _endpoint(proxy, proxy["name"], "proxy", filename)
        endpoint.port = proxy.get("port")
        endpoint.extra = {k: proxy[k] for k in ("config",) if k in proxy}
        if topology_names(endpoints, endpoint.name):
            raise InputError(
                f"proxy name {endpoint.name!r} is already used",
                file=filename,
                line=endpoint.source.line,
                hint="names of clusters, proxies and roles must differ",
            )
        endpoints.append(endpoint)
    for endpoint in endpoints:
        if not endpoint.addresses:
            raise InputError(
                f"{endpoint.name} has no addresses",
                file=filename,
                line=endpoint.source.line,
                hint="give 'addresses' (CIDRs or 'internet'): groups alone do not say where it is",
            )
    topology = Topology(
        filename,
        list(doc.get("profiles") or []),
        endpoints,
        doc,
        palette_version=doc.get("palette_version"),
        airgap=bool(doc.get("airgap")),
        cluster_pcg=cluster_pcg,
    )
    for fw in doc.get("firewalls") or []:
        protects: list[Endpoint] = []
        for name in fw["protects"]:
            found = [e for e in endpoints if name in (e.name, e.cluster)] or topology.role(name)
            if not found:
                raise InputError(
                    f"firewall {fw['name']}: {name!r} is neither an endpoint nor a role",
                    file=filename,
                    line=line_of(fw["protects"], line_of(fw)),
                    hint=f"endpoints: {', '.join(e.name for e in endpoints)}",
                )
            protects.extend(e for e in found if e not in protects)
        topology.firewalls.append(
            FirewallPlacement(fw["name"], fw["rules"], protects, SourceRef(filename, line_of(fw), fw["name"]))
        )
    return topology


def topology_names(endpoints: list[Endpoint], name: str) -> bool:
    return any(e.name == name for e in endpoints)


def _proxy_settings(value: dict[str, Any], filename: str) -> ProxySettings:
    """A cluster's HTTPS_PROXY / HTTP_PROXY / NO_PROXY, parsed as Palette's Go agent reads them."""
    no_proxy = value.get("no_proxy")
    if isinstance(no_proxy, list):
        no_proxy = ",".join(str(v) for v in no_proxy)
    return ProxySettings.parse(
        value.get("https"), value.get("http"), no_proxy, source=SourceRef(filename, line_of(value), "proxy")
    )


_TODO = re.compile(r"(?:^|\s)#\s*TODO\b:?\s*(.*)$")


def todo_comments(text: str) -> list[tuple[int, str]]:
    """The ``# TODO`` comments left in the file (``init`` writes one wherever it could not guess)."""
    return [(n, m.group(1).strip()) for n, line in enumerate(text.splitlines(), 1) if (m := _TODO.search(line))]


def load_topology(path: Path, display: str, limits: Limits = DEFAULT_LIMITS, root: Path | None = None) -> Topology:
    """``root``: the topology was found in the scanned folder and must not leave it through a link."""
    text = read_text(path, display, max_bytes=limits.max_file_bytes, root=root)
    topology = parse_topology(load_document(text, display, limits), display)
    topology.todos = todo_comments(text)
    return topology
