"""A first topology, guessed from what the configs declare (``palette-policy init``).

Which security group, subnet or namespace plays which Palette role is only written in names, so this reads
names: words such as mgmt, worker, node, proxy, pcg, vcenter, edge in a group's or subnet's name, Terraform
address, logical id or Name tag. Addresses come from the subnets; operators from the public CIDRs that
ingress rules admit on 22, 443 or 5080. Every value says what it was guessed from, and what cannot be guessed
is a TODO with a placeholder, so the draft always validates and never claims more than it read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from validator.model.draft import PLACEHOLDER_NETWORK, Draft, Guess, Section
from validator.model.inventory import Inventory
from validator.model.sets import AddressSet, PortSet
from validator.model.topology import INTERNET

NODE_WORDS = {"worker", "workers", "node", "nodes", "workload", "workloads", "edge"}
# Words that name a role, checked in this order (a "palette-workers" group is a cluster's, not management's).
ROLE_WORDS = (
    ("proxy", {"proxy", "proxies", "squid"}),
    ("pcg", {"pcg"}),
    ("vcenter", {"vcenter", "vsphere", "esxi"}),
    ("control-plane", {"cp", "controlplane", "master", "masters", "apiserver"}),
    ("nodes", NODE_WORDS),
    # a cluster's, but which part? The nodes', unless a node group sits beside it (EKS: the cluster group is the
    # control plane's)
    ("nodes", {"cluster", "clusters", "k8s", "kubernetes", "eks"}),
    ("management", {"mgmt", "management"}),
    ("operators", {"operators", "operator", "admin", "admins", "office", "bastion", "vpn"}),
)
GENERIC = {"sg", "security", "group", "groups", "subnet", "subnets", "private", "public", "acl", "nacl", "aws"}
GENERIC |= {"default", "main", "this", "vpc", "az", "tf", "network", "allow", "rules", "plane", "control", "palette"}
ROLE_TOKENS = set().union(*(words for _, words in ROLE_WORDS))
ADMIN_PORTS = PortSet([(22, 22), (443, 443), (5080, 5080)])
PRIVATE = AddressSet.all_ipv4() - INTERNET
REGISTRIES = ["registry.spectrocloud.com", "us-docker.pkg.dev", "gcr.io"]
AGENT_NAMESPACE = re.compile(r"^cluster-[0-9a-z]+$")
NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Part:
    """A security group or subnet, with the role its name suggests and the stem that groups it."""

    kind: str  # "security group", "subnet" or "firewall zone" (a zone lends its addresses only)
    ref: str  # how the topology names it
    words: list[str]
    role: str | None
    stem: str
    addresses: AddressSet = field(default_factory=AddressSet)

    @property
    def edge(self) -> bool:
        return "edge" in self.words


def words_of(*texts: str) -> list[str]:
    """Lower-case words, camelCase split, digits kept with their letters (WorkersSecurityGroup → workers,
    security, group; c0042-nodes → c0042, nodes)."""
    return [w.lower() for text in texts for w in re.findall(r"[A-Z]+(?![a-z])[0-9]*|[A-Z]?[a-z]+[0-9]*|[0-9]+", text)]


def own_name(key: str) -> str:
    """A resource's own name in its key: not the module or file it sits in (module.eks.aws_x.node[0] → node)."""
    return re.sub(r"\[.*?\]", "", key.rsplit("#", 1)[-1].rsplit(".", 1)[-1])


def role_of(words: list[str]) -> str | None:
    if "control" in words and "plane" in words:
        return "control-plane"
    for role, names in ROLE_WORDS:
        if names & set(words):
            return role
    return None


def stem_of(key: str, words: list[str]) -> str:
    """What tells one cluster's parts from another's: the Terraform module instance, else the name's other words."""
    modules = re.findall(r"module\.([A-Za-z0-9_-]+)", key)
    if modules:
        return modules[-1].replace("_", "-").lower()
    kept = [w for w in words if w not in ROLE_TOKENS and w not in GENERIC and len(w) > 1 and not w.isdigit()]
    return "-".join(dict.fromkeys(kept))


def _ref(name: str, key: str, ambiguous: Iterable[str]) -> str:
    """How the topology names a resource: its name when that is plain and unique, but a module's resources by
    address (their names are often prefixes the cloud completes, or repeat across instances)."""
    plain = name and name not in ambiguous and not NAME.search(name) and not key.startswith("module.")
    return name if plain else key


def _parts(inventory: Inventory) -> list[Part]:
    parts = []
    groups_ambiguous = set(inventory.ambiguous_aliases("group"))
    for key, point in sorted(inventory.points.items()):
        if point.kind != "security-group" or point.unresolved:
            continue
        words = words_of(point.name, own_name(key))
        parts.append(
            Part("security group", _ref(point.name, key, groups_ambiguous), words, role_of(words), stem_of(key, words))
        )
    subnets_ambiguous = set(inventory.ambiguous_aliases("subnet"))
    for key, subnet in sorted(inventory.subnets.items()):
        words = words_of(subnet.name, own_name(key))
        parts.append(
            Part(
                "subnet",
                _ref(subnet.name, key, subnets_ambiguous),
                words,
                role_of(words),
                stem_of(key, words),
                subnet.addresses,
            )
        )
    for _, rules in sorted(inventory.firewall_sets.items()):
        for zone, addresses in sorted((getattr(rules, "zones", None) or {}).items()):
            words = words_of(zone)
            parts.append(Part("firewall zone", f"{zone} ({rules.name})", words, role_of(words), "", addresses))
    # EKS: "cluster" names the control plane's group when the stem has a node group beside it
    with_nodes = {p.stem for p in parts if p.role == "nodes" and set(p.words) & NODE_WORDS}
    for part in parts:
        if part.role == "nodes" and not set(part.words) & NODE_WORDS and part.stem in with_nodes:
            part.role = "control-plane"
    return parts


class _Placeholders:
    def __init__(self) -> None:
        self.used = 0

    def next(self) -> str:
        self.used += 1
        return f"{PLACEHOLDER_NETWORK}.{self.used}"


def _names(parts: list[Part]) -> str:
    return ", ".join(f"{p.kind} {p.ref}" for p in parts)


def _endpoint(parts: list[Part], what: str, placeholders: _Placeholders) -> Section:
    """addresses / security_groups / subnets of one endpoint from its parts."""
    section: Section = {}
    subnets = [p for p in parts if p.kind == "subnet"]
    groups = [p for p in parts if p.kind == "security group"]
    lenders = [p for p in parts if p.kind != "security group" and p.addresses]
    addresses = AddressSet()
    for p in lenders:
        addresses = addresses | p.addresses
    if addresses:
        section["addresses"] = Guess(addresses.cidrs(), f"the CIDRs of {_names(lenders)}")
    else:
        section["addresses"] = Guess(
            [placeholders.next()],
            todo=f"the addresses of {what} (a documentation address stands in: no subnet or zone says)",
        )
    if groups:
        section["security_groups"] = Guess([p.ref for p in groups], f"named like {what}")
    if subnets:
        section["subnets"] = Guess([p.ref for p in subnets], f"named like {what}")
    return section


def _operators(inventory: Inventory) -> Guess | None:
    """Public CIDRs that ingress rules admit on SSH, HTTPS or the Local UI: where people connect from."""
    found = AddressSet()
    where: list[str] = []
    for point in sorted(inventory.points.values(), key=lambda p: p.key):
        for rule in point.rules:
            peer = rule.peer.addresses
            if rule.direction != "ingress" or rule.action != "allow" or not peer or rule.unknowns:
                continue
            if peer.overlaps(PRIVATE) or peer.covers(AddressSet.all_ipv4()) or not rule.ports.overlaps(ADMIN_PORTS):
                continue
            if peer.covers(AddressSet.all_ipv6()) or not INTERNET.covers(peer):
                continue
            found = found | peer
            where.append(rule.source.location())
    if not found:
        return None
    return Guess(found.cidrs(), f"public CIDRs admitted on 22/443/5080 at {', '.join(sorted(set(where))[:3])}")


def _kubernetes(inventory: Inventory) -> dict[str, list[str]]:
    """Each folder of manifests → the namespaces its documents name."""
    folders: dict[str, list[str]] = {}
    for rel, docs in sorted(inventory.kubernetes_files.items()):
        names = folders.setdefault(posixpath.dirname(rel) or ".", [])
        for doc in docs:
            if not isinstance(doc, dict):
                continue
            meta = doc.get("metadata")
            meta = meta if isinstance(meta, dict) else {}
            name = meta.get("name") if doc.get("kind") == "Namespace" else meta.get("namespace")
            if isinstance(name, str) and name not in names:
                names.append(name)
    return folders


def _cluster_name(stem: str, taken: set[str]) -> str:
    base = NAME.sub("-", stem).strip("-._") or "workers"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def _clusters(parts: list[Part], inventory: Inventory, placeholders: _Placeholders, taken: set[str]) -> list[Section]:
    cluster_parts = [p for p in parts if p.role in ("nodes", "control-plane")]
    stems = list(dict.fromkeys(p.stem for p in cluster_parts if p.kind == "security group"))
    stems += [s for s in dict.fromkeys(p.stem for p in cluster_parts) if s not in stems]
    if len({p.stem for p in cluster_parts if p.kind == "security group"}) == 1:
        stems = stems[:1]  # one cluster's groups: its subnets are its own whatever their names
        for p in cluster_parts:
            p.stem = stems[0]
    clusters: list[Section] = []
    folders = _kubernetes(inventory)
    for stem in stems:
        mine = [p for p in cluster_parts if p.stem == stem]
        nodes = [p for p in mine if p.role == "nodes"] or mine
        control = [p for p in mine if p.role == "control-plane" and p.kind == "security group" and p not in nodes]
        name = _cluster_name(stem or ("edge" if any(p.edge for p in mine) else "workers"), taken)
        section: Section = {"name": Guess(name, f"from {_names(mine)}")}
        endpoint = _endpoint(nodes, f"the nodes of cluster {name}", placeholders)
        section["nodes"] = endpoint.pop("addresses")
        section.update(endpoint)
        if control:
            section["control_plane_security_groups"] = Guess(
                [p.ref for p in control], "named like a control plane's (EKS: the cluster security group)"
            )
        if any(p.edge for p in mine):
            section["edge"] = Guess(True, "named like Edge hosts")
        clusters.append(section)
    for folder in sorted(folders):
        owner = next((c for c in clusters if c["name"].value == posixpath.basename(folder)), None)
        if owner is None and len(clusters) == 1 and len(folders) == 1:
            owner = clusters[0]
        if owner is None:
            owner = {"name": Guess(_cluster_name(posixpath.basename(folder), taken), f"the manifests in {folder}/")}
            owner["nodes"] = Guess([placeholders.next()], todo="the cluster's node addresses")
            clusters.append(owner)
        owner["kubernetes"] = Guess(folder, "the folder of its Kubernetes manifests")
        agents = [n for n in folders[folder] if AGENT_NAMESPACE.match(n)]
        if len(agents) == 1:
            owner["agent"] = Guess({"namespace": agents[0]}, "Palette's agent runs in the namespace cluster-<id>")
    if not clusters:
        clusters.append(
            {
                "name": Guess(_cluster_name("prod", taken), todo="name your first workload cluster"),
                "nodes": Guess([placeholders.next()], todo="its node addresses (no group or subnet is named so)"),
            }
        )
    return clusters


def _proxies(parts: list[Part], inventory: Inventory, placeholders: _Placeholders, taken: set[str]) -> list[Section]:
    configs = sorted(inventory.proxy_configs.items())
    named = [p for p in parts if p.role == "proxy"]
    out: list[Section] = []
    for path, config in configs:
        stem = posixpath.splitext(posixpath.basename(path))[0]
        name = _cluster_name(stem if stem not in ("squid", "proxy", "proxy-rules") else "proxy", taken)
        ports = [li.port for li in getattr(config, "listeners", [])] or list(getattr(config, "listen", ()))
        section: Section = {"name": Guess(name, f"the proxy configured in {path}")}
        endpoint = _endpoint(named if len(configs) == 1 else [], f"the proxy {name}", placeholders)
        section.update(endpoint)
        section["port"] = (
            Guess(ports[0], f"the first listening port in {path}")
            if ports
            else Guess(3128, todo=f"the port clients use ({path} declares none)")
        )
        section["config"] = Guess(path, "its access rules")
        out.append(section)
    return out


def draft_topology(inventory: Inventory, palette_version: str | None = None) -> Draft:
    """The first topology for ``inventory``: guesses with their reasons, TODOs with placeholders."""
    parts = _parts(inventory)
    placeholders = _Placeholders()
    taken = {"management", "operators", "vcenter", "registries", "pcg", "infrastructure"}
    fields: Section = {}
    fields["palette_version"] = (
        Guess(palette_version, "given to init")
        if palette_version
        else Guess("4.6.12", todo="the Palette version you run; it chooses the profiles (docs/topology.md)")
    )
    management = [p for p in parts if p.role == "management"]
    if management:
        fields["management"] = _endpoint(management, "the self-hosted management platform", placeholders)
    else:
        fields["management"] = {
            "hosts": Guess(["api.spectrocloud.com"], "no group or subnet is named like a management platform: SaaS"),
            "addresses": Guess(["internet"], "Palette SaaS is on the internet"),
        }
    operators = _operators(inventory)
    operator_zones = [p for p in parts if p.role == "operators" and p.addresses]
    if operator_zones:
        cidrs = AddressSet()
        for p in operator_zones:
            cidrs = cidrs | p.addresses
        operators = Guess(cidrs.cidrs(), f"the CIDRs of {_names(operator_zones)}")
    if operators is not None:
        fields["operators"] = operators
    vcenter = [p for p in parts if p.role == "vcenter"]
    if vcenter:
        fields["vcenter"] = _endpoint(vcenter, "the vCenter", placeholders)
    fields["registries"] = {
        "hosts": Guess(REGISTRIES, "Palette's public registries; air gap: your own registry"),
        "addresses": Guess(["internet"], "public registries are on the internet"),
    }
    pcg = [p for p in parts if p.role == "pcg"]
    if pcg:
        fields["pcg"] = _endpoint(pcg, "the PCG", placeholders)
    fields["clusters"] = _clusters(parts, inventory, placeholders, taken)
    proxies = _proxies(parts, inventory, placeholders, taken)
    if proxies:
        fields["proxies"] = proxies
    commented: list[tuple[str, list[str]]] = []
    if operators is None:
        commented.append(("where people and the Palette CLI connect from (role browser)", ["operators: [CIDR]"]))
    if proxies:
        commented.append(
            (
                "the clusters' proxy settings, as Palette sets them on the nodes (add under each cluster)",
                ["proxy: {https: 'http://PROXY:PORT', no_proxy: [10.0.0.0/8, .svc, .cluster.local, 169.254.169.254]}"],
            )
        )
    for path, rules in sorted(inventory.firewall_sets.items()):
        zones = ", ".join(sorted(getattr(rules, "zones", {}) or {})) or "none"
        commented.append(
            (
                f"what firewall {rules.name} protects (its zones: {zones}); uncomment with the endpoints behind it",
                ["firewalls:", f"  - {{name: {rules.name}, rules: {path}, protects: [ENDPOINT]}}"],
            )
        )
    unplaced = [f"{p.kind} {p.ref}" for p in parts if p.role is None or (p.role == "operators" and not p.addresses)]
    return Draft(fields, unplaced, commented)
