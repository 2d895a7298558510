"""Forward proxies' access rules as data: a parsed squid.conf and the declarative ``kind: ProxyRules`` file.

The loaders (``ingest/loaders/squid.py``, ``ingest/loaders/proxy_rules.py``) fill these; what a proxy
decides for a request is the analysis' (``analysis/squid.py``, ``analysis/proxy_rules.py``, S1–S4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet

ADDRESS_TYPES = ("src", "dst")
MODELLED_TYPES = (
    "src",
    "dst",
    "dstdomain",
    "dstdom_regex",
    "port",
    "method",
    "at_step",
    "ssl::server_name",
    "ssl::server_name_regex",
)
DOMAIN_TYPES = ("dstdomain", "ssl::server_name")
REGEX_TYPES = ("dstdom_regex", "ssl::server_name_regex")


class Pattern(Protocol):
    """A compiled regular expression (``re`` or RE2): what the analysis needs of it."""

    pattern: str

    def search(self, text: str) -> Any: ...


@dataclass(frozen=True)
class AclLine:
    """One ``acl NAME TYPE [flags] values…`` line (values from quoted files already expanded)."""

    name: str
    type: str
    flags: tuple[str, ...]
    values: tuple[str, ...]
    source: SourceRef
    files: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "type": self.type,
            "flags": list(self.flags),
            "values": list(self.values),
            "files": list(self.files),
            "source": self.source.to_json(),
        }


@dataclass
class Acl:
    """A named ACL: its lines ORed, compiled to sets for the types we model."""

    name: str
    type: str
    lines: list[AclLine] = field(default_factory=list)
    predefined: bool = False
    addresses: AddressSet = field(default_factory=AddressSet)
    unresolved: tuple[str, ...] = ()  # host names in src/dst ACLs (Squid resolves them at startup)
    ports: PortSet = field(default_factory=PortSet)
    methods: frozenset[str] = frozenset()
    domains: tuple[str, ...] = ()
    regexes: tuple[Pattern, ...] = ()  # compiled by the loader with a linear-time engine (RE2)
    no_reverse_lookup: bool = False  # dstdomain -n

    @property
    def modelled(self) -> bool:
        return self.type in MODELLED_TYPES or self.type == "manager"

    @property
    def sources(self) -> tuple[SourceRef, ...]:
        return tuple(line.source for line in self.lines)

    def where(self) -> str:
        if self.predefined and not self.lines:
            return "predefined"
        return ",".join(s.location() for s in self.sources)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "type": self.type,
            "predefined": self.predefined,
            "modelled": self.modelled,
            "lines": [ln.to_json() for ln in self.lines],
        }
        if self.type in ADDRESS_TYPES:
            out["addresses"] = self.addresses.ranges()
            out["unresolved"] = list(self.unresolved)
        elif self.type == "port":
            out["ports"] = str(self.ports)
        elif self.type == "method":
            out["methods"] = sorted(self.methods)
        elif self.type in DOMAIN_TYPES:
            out["domains"] = list(self.domains)
            out["no_reverse_lookup"] = self.no_reverse_lookup
        elif self.type in REGEX_TYPES:
            out["regexes"] = [r.pattern for r in self.regexes]
        elif self.type == "at_step":
            out["steps"] = sorted(self.methods)
        return out


@dataclass(frozen=True)
class AclRef:
    name: str
    negated: bool = False

    def __str__(self) -> str:
        return ("!" if self.negated else "") + self.name


@dataclass(frozen=True)
class AccessLine:
    """An ``http_access`` (or ``ssl_bump``) line: action and its ANDed ACL items."""

    directive: str
    action: str
    acls: tuple[AclRef, ...]
    source: SourceRef

    @property
    def text(self) -> str:
        return " ".join([self.directive, self.action, *map(str, self.acls)])

    def to_json(self) -> dict[str, object]:
        return {
            "directive": self.directive,
            "action": self.action,
            "acls": [{"name": a.name, "negated": a.negated} for a in self.acls],
            "text": self.text,
            "source": self.source.to_json(),
        }


@dataclass(frozen=True)
class Listener:
    """An ``http_port`` / ``https_port`` line: optional address, port, and its options (``ssl-bump``…)."""

    directive: str
    address: str | None
    port: int
    options: tuple[str, ...]
    source: SourceRef

    @property
    def ssl_bump(self) -> bool:
        return "ssl-bump" in self.options

    def to_json(self) -> dict[str, object]:
        return {
            "directive": self.directive,
            "address": self.address,
            "port": self.port,
            "options": list(self.options),
            "ssl_bump": self.ssl_bump,
            "source": self.source.to_json(),
        }


@dataclass
class SquidConfig:
    """A parsed squid.conf (with includes): everything the access decision and the findings need."""

    path: str
    files: list[str] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    acls: dict[str, Acl] = field(default_factory=dict)  # key: lower-cased name
    http_access: list[AccessLine] = field(default_factory=list)
    ssl_bump: list[AccessLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path

    @property
    def listen_ports(self) -> PortSet:
        return PortSet([(li.port, li.port) for li in self.listeners])

    def acl(self, name: str) -> Acl:
        return self.acls[name.lower()]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "squid",
            "path": self.path,
            "files": list(self.files),
            "listen_ports": str(self.listen_ports),
            "listeners": [li.to_json() for li in self.listeners],
            "acls": {a.name: a.to_json() for a in self.acls.values()},
            "http_access": [h.to_json() for h in self.http_access],
            "ssl_bump": [s.to_json() for s in self.ssl_bump],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ProxyRule:
    """One rule; None for a condition means "any"."""

    index: int
    action: str
    source: SourceRef
    name: str = ""
    clients: AddressSet | None = None
    domains: tuple[str, ...] | None = None  # host names / .domains (lower case)
    host_addresses: AddressSet | None = None  # IP/CIDR entries of hosts
    ports: PortSet | None = None
    methods: frozenset[str] | None = None

    @property
    def has_hosts(self) -> bool:
        return self.domains is not None or self.host_addresses is not None

    @property
    def text(self) -> str:
        parts = [self.action]
        if self.name:
            parts.append(f"[{self.name}]")
        if self.clients is not None:
            parts.append(f"clients={self.clients}")
        if self.has_hosts:
            hosts = list(self.domains or ()) + (self.host_addresses.ranges() if self.host_addresses else [])
            parts.append("hosts=" + ",".join(hosts))
        if self.ports is not None:
            parts.append(f"ports={self.ports}")
        if self.methods is not None:
            parts.append("methods=" + ",".join(sorted(self.methods)))
        return " ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "name": self.name,
            "action": self.action,
            "clients": self.clients.ranges() if self.clients is not None else None,
            "domains": list(self.domains) if self.domains is not None else None,
            "host_addresses": self.host_addresses.ranges() if self.host_addresses is not None else None,
            "ports": str(self.ports) if self.ports is not None else None,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "text": self.text,
            "source": self.source.to_json(),
        }


@dataclass
class ProxyRules:
    """A declarative proxy: listening ports, ordered rules, default action."""

    name: str
    path: str
    listen: tuple[int, ...]
    rules: list[ProxyRule] = field(default_factory=list)
    default: str = "deny"
    source: SourceRef | None = None

    @property
    def listen_ports(self) -> PortSet:
        return PortSet([(p, p) for p in self.listen])

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "proxy-rules",
            "name": self.name,
            "path": self.path,
            "listen": list(self.listen),
            "listen_ports": str(self.listen_ports),
            "default": self.default,
            "rules": [r.to_json() for r in self.rules],
            "source": self.source.to_json() if self.source else None,
        }
