"""squid.conf: ACLs, http_access, http_port, ssl_bump, include — and what Squid decides for a request.

Semantics follow squid-cache/squid ``src/cf.data.pre`` (acl, http_access) and ``src/anyp/Uri.h``
(matchDomainName), see docs semantics.md S1–S4:

- http_access lines are checked top-down and the first line whose ACLs all match decides; ACLs on a line are
  ANDed, ``!`` negates one, values of one ACL are ORed, and several ``acl`` lines with one name add values.
- No line matches → the opposite of the last line's action; no http_access lines at all → deny.
- Predefined ACLs: all, manager, localhost, to_localhost and the method ACL CONNECT (Squid ≥4), and
  to_linklocal (Squid ≥6; Squid 5 rejects a config that uses it undefined — we accept it). A config may
  redefine them; a same-type redefinition adds values (as for any ACL), a different type replaces the
  predefined one (old configs have ``acl manager proto cache_object``).
- An http_access line without ACLs is ignored, also for the implicit default (observed with Squid 5.7).
  Method values and ACL names compare case-insensitively (also observed).
- dstdomain ``.example.com`` matches example.com and every subdomain; ``example.com`` only itself; case is
  ignored. For an IP-literal request Squid would try a reverse lookup, so without ``-n`` the match is
  unknown. ACL names are compared case-insensitively (Squid's ACL::FindByName uses strcasecmp).
- Addresses are interval sets: a request is evaluated for a whole client address set (and destination
  set) at once and may come out partial. An ACL type this module does not model (there are dozens) makes
  every decision that depends on it ``unknown`` — never a silent allow or deny. So does a ``dst`` ACL when
  the destination addresses are not given (Squid would resolve the host name).

tests/layers/test_layers_squid_oracle.py checks these semantics against a real Squid when one is installed.
Unknown directives are ignored (Squid has hundreds). ``include`` paths and ``acl … "file"`` lists are
resolved relative to the file that names them (falling back to the main config's directory); include
takes globs.
"""

from __future__ import annotations

import glob
import ipaddress
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from validator.analysis.ordered import Box, as_addresses
from validator.analysis.proxy_decision import (
    AclEvidence,
    CompiledLine,
    DecisionPart,
    Outcome,
    ProxyDecision,
    ProxyRequest,
    assemble,
    first_match,
    verdict_of,
)
from validator.model.errors import InputError
from validator.model.sets import AddressSet, PortSet, SourceRef

ADDRESS_TYPES = ("src", "dst")
MODELLED_TYPES = ("src", "dst", "dstdomain", "dstdom_regex", "port", "method", "at_step",
                  "ssl::server_name", "ssl::server_name_regex")
DOMAIN_TYPES = ("dstdomain", "ssl::server_name")
REGEX_TYPES = ("dstdom_regex", "ssl::server_name_regex")
MAX_INCLUDE_DEPTH = 16  # Squid's own limit for nested include

PREDEFINED: dict[str, tuple[str, tuple[str, ...]]] = {
    "all": ("src", ("0.0.0.0/0", "::/0")),
    "manager": ("manager", ()),  # cache manager URLs (url_regex in Squid); never a proxied request
    "localhost": ("src", ("127.0.0.1/32", "::1")),
    "to_localhost": ("dst", ("127.0.0.0/8", "0.0.0.0/32", "::/128", "::1/128")),
    "to_linklocal": ("dst", ("169.254.0.0/16", "fe80::/10")),
    "CONNECT": ("method", ("CONNECT",)),
}

_HOSTNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$")


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
        return {"name": self.name, "type": self.type, "flags": list(self.flags),
                "values": list(self.values), "files": list(self.files), "source": self.source.to_json()}


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
    regexes: tuple[re.Pattern[str], ...] = ()
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
        out: dict[str, object] = {"name": self.name, "type": self.type, "predefined": self.predefined,
                                  "modelled": self.modelled, "lines": [ln.to_json() for ln in self.lines]}
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
        return {"directive": self.directive, "action": self.action,
                "acls": [{"name": a.name, "negated": a.negated} for a in self.acls],
                "text": self.text, "source": self.source.to_json()}


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
        return {"directive": self.directive, "address": self.address, "port": self.port,
                "options": list(self.options), "ssl_bump": self.ssl_bump, "source": self.source.to_json()}


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

    def decide(self, client: AddressSet, host: str | None, dst: AddressSet | None, port: int,
               method: str) -> ProxyDecision:
        return decide(self, client, host, dst, port, method)

    def to_json(self) -> dict[str, object]:
        return {"kind": "squid", "path": self.path, "files": list(self.files),
                "listen_ports": str(self.listen_ports),
                "listeners": [li.to_json() for li in self.listeners],
                "acls": {a.name: a.to_json() for a in self.acls.values()},
                "http_access": [h.to_json() for h in self.http_access],
                "ssl_bump": [s.to_json() for s in self.ssl_bump],
                "notes": list(self.notes)}


# --------------------------------------------------------------------------------------------------------
# parsing


def looks_like_squid(text: str) -> bool:
    """A .conf file is read as squid.conf only when it has Squid's access or port directives."""
    return any(line.lstrip().startswith(("http_access", "http_port", "https_port", "acl "))
               for line in text.splitlines())


def load_squid(path: str | os.PathLike[str]) -> SquidConfig:
    """Parse a squid.conf file and everything it includes; InputError(file, line) on bad syntax."""
    path = os.fspath(path)
    config = _new_config(path)
    _parse_file(config, path, depth=0, stack=())
    return config


def parse_squid_text(text: str, file: str = "squid.conf") -> SquidConfig:
    """Parse squid.conf text (includes and ACL files are resolved relative to ``file``)."""
    config = _new_config(file)
    _parse_lines(config, file, text, depth=0, stack=(os.path.abspath(file),))
    return config


def _new_config(path: str) -> SquidConfig:
    config = SquidConfig(path=path)
    for name, (typ, values) in PREDEFINED.items():
        acl = Acl(name=name, type=typ, predefined=True)
        _compile_values(acl, values, (), SourceRef("(predefined)"))
        config.acls[name.lower()] = acl
    return config


def _read(path: str, ref_file: str | None = None, ref_line: int | None = None) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", file=ref_file or path,
                         line=ref_line, hint="check the path (relative paths are resolved from the "
                                             "directory of the file that names them)") from None


def _parse_file(config: SquidConfig, path: str, depth: int, stack: tuple[str, ...],
                ref: SourceRef | None = None) -> None:
    real = os.path.abspath(path)
    if real in stack:
        raise InputError(f"include cycle: {path} includes itself", file=ref.file if ref else path,
                         line=ref.line if ref else None, hint="remove the circular include")
    text = _read(path, ref.file if ref else None, ref.line if ref else None)
    _parse_lines(config, path, text, depth, (*stack, real))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations; return (first line number, text) without comments."""
    out: list[tuple[int, str]] = []
    buf = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        out.append((start, buf))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _tokens(text: str, file: str, line: int) -> list[str]:
    """Split on white space; a token starting with '#' begins a comment; "quoted" stays one token."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i].isspace():
            i += 1
        if i >= n or text[i] == "#":
            break
        if text[i] == '"':
            j = text.find('"', i + 1)
            if j < 0:
                raise InputError("unterminated quoted value", file=file, line=line,
                                 hint='close the quote: acl NAME TYPE "/path/to/list"')
            out.append(text[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        out.append(text[i:j])
        i = j
    return out


def _parse_lines(config: SquidConfig, file: str, text: str, depth: int, stack: tuple[str, ...]) -> None:
    config.files.append(file)
    base = os.path.dirname(file)
    for number, logical in _logical_lines(text):
        toks = _tokens(logical, file, number)
        if not toks:
            continue
        ref = SourceRef(file, number)
        directive = toks[0]
        args = toks[1:]
        if directive == "acl":
            _parse_acl(config, args, ref, base)
        elif directive in ("http_access", "ssl_bump"):
            _parse_access(config, directive, args, ref)
        elif directive in ("http_port", "https_port"):
            _parse_port(config, directive, args, ref)
        elif directive == "include":
            _parse_include(config, args, ref, base, depth, stack)
        # every other directive is ignored on purpose


def _locate(config: SquidConfig, name: str, base: str) -> str:
    """A relative path from the directory of the file that names it, else from the main config's."""
    if os.path.isabs(name):
        return name
    first = os.path.join(base, name)
    if glob.has_magic(name) and glob.glob(first) or os.path.exists(first):
        return first
    second = os.path.join(os.path.dirname(config.path), name)
    if glob.has_magic(name) and glob.glob(second) or os.path.exists(second):
        return second
    return first


def _parse_include(config: SquidConfig, args: list[str], ref: SourceRef, base: str, depth: int,
                   stack: tuple[str, ...]) -> None:
    if not args:
        raise InputError("include needs a file name or glob", file=ref.file, line=ref.line)
    if depth + 1 > MAX_INCLUDE_DEPTH:
        raise InputError(f"includes nested deeper than {MAX_INCLUDE_DEPTH} levels", file=ref.file,
                         line=ref.line, hint="Squid refuses this too; check for an include loop")
    for pattern in args:
        pattern = pattern.strip('"')
        full = _locate(config, pattern, base)
        if glob.has_magic(full):
            for match in sorted(glob.glob(full)):
                _parse_file(config, match, depth + 1, stack, ref)
        else:
            if not os.path.exists(full):
                raise InputError(f"included file {pattern} does not exist", file=ref.file, line=ref.line,
                                 hint=f"looked for {full}")
            _parse_file(config, full, depth + 1, stack, ref)


def _parse_port(config: SquidConfig, directive: str, args: list[str], ref: SourceRef) -> None:
    if not args:
        raise InputError(f"{directive} needs a port", file=ref.file, line=ref.line,
                         hint=f"e.g. {directive} 3128 or {directive} 10.0.0.5:3128")
    spec = args[0]
    address: str | None = None
    port_text = spec
    if spec.startswith("["):  # [ipv6]:port
        end = spec.find("]")
        if end < 0 or not spec[end + 1:].startswith(":"):
            raise InputError(f"bad {directive} address {spec!r}", file=ref.file, line=ref.line,
                             hint="use [ipv6]:port")
        address, port_text = spec[1:end], spec[end + 2:]
    elif ":" in spec:
        address, port_text = spec.rsplit(":", 1)
    if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
        raise InputError(f"bad {directive} port {spec!r}", file=ref.file, line=ref.line,
                         hint="a port is a number 1-65535")
    config.listeners.append(Listener(directive, address, int(port_text), tuple(args[1:]), ref))


def _parse_access(config: SquidConfig, directive: str, args: list[str], ref: SourceRef) -> None:
    if not args:
        raise InputError(f"{directive} needs an action", file=ref.file, line=ref.line)
    action = args[0]
    if directive == "http_access" and action not in ("allow", "deny"):
        raise InputError(f"http_access action must be allow or deny, not {action!r}", file=ref.file,
                         line=ref.line, hint="http_access allow|deny [!]acl …")
    items: list[AclRef] = []
    for tok in args[1:]:
        negated = tok.startswith("!")
        name = tok[1:] if negated else tok
        if not name:
            raise InputError(f"empty ACL name in {directive}", file=ref.file, line=ref.line)
        if name.lower() not in config.acls:
            raise InputError(f"{directive} uses ACL {name!r}, which is not defined above", file=ref.file,
                             line=ref.line, hint=f"define it first: acl {name} TYPE VALUES")
        items.append(AclRef(config.acls[name.lower()].name, negated))
    if not items:
        # Squid (checked with 5.7) skips such a line entirely: it neither matches nor counts as the last
        # line for the implicit default
        config.notes.append(f"{ref.location()}: {directive} {action} without ACLs is ignored by Squid")
        return
    line = AccessLine(directive, action, tuple(items), ref)
    (config.http_access if directive == "http_access" else config.ssl_bump).append(line)


def _parse_acl(config: SquidConfig, args: list[str], ref: SourceRef, base: str) -> None:
    if len(args) < 2:
        raise InputError("acl needs a name and a type", file=ref.file, line=ref.line,
                         hint="acl NAME TYPE VALUE …")
    name, typ = args[0], args[1]
    rest = args[2:]
    flags: list[str] = []
    while rest and rest[0].startswith("-") and len(rest[0]) > 1 and not rest[0][1].isdigit():
        if rest[0] == "--":
            rest = rest[1:]
            break
        flags.append(rest[0])
        rest = rest[1:]
    values: list[str] = []
    files: list[str] = []
    for tok in rest:
        if len(tok) >= 2 and tok.startswith('"') and tok.endswith('"'):
            listed = tok[1:-1]
            full = _locate(config, listed, base)
            files.append(full)
            content = _read(full, ref.file, ref.line)
            for raw in content.splitlines():
                stripped = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
                values.extend(stripped.split())
        else:
            values.append(tok)
    key = name.lower()
    existing = config.acls.get(key)
    if existing is not None and existing.type != typ:
        if existing.predefined and not existing.lines:
            config.notes.append(f"{ref.location()}: acl {name} redefines the predefined {existing.type} "
                                f"ACL as {typ}")
            existing = None
        else:
            raise InputError(f"acl {name} was defined as type {existing.type} at {existing.where()}, "
                             f"cannot add type {typ}", file=ref.file, line=ref.line,
                             hint="use a different ACL name for a different type")
    if existing is None:
        existing = Acl(name=name, type=typ)
        config.acls[key] = existing
    line = AclLine(name, typ, tuple(flags), tuple(values), ref, tuple(files))
    existing.lines.append(line)
    _compile_values(existing, values, tuple(flags), ref)


def _parse_address(text: str) -> tuple[int, int] | None:
    """Squid address forms: ip, ip/bits, ip/dotted-mask, a-b, a-b/mask, 'all'. None = not an address."""
    from validator.model.sets import parse_range

    if text == "all":
        return None
    mask: str | None = None
    body = text
    if "-" in text and "/" in text:
        body, mask = text.split("/", 1)
    try:
        lo, hi = parse_range(body)
    except ValueError:
        return None
    if mask is not None:
        try:
            net = ipaddress.ip_network(f"::/{mask}") if ":" in body else ipaddress.ip_network(f"0.0.0.0/{mask}")
        except ValueError:
            return None
        host_bits = net.num_addresses - 1
        lo, hi = lo & ~host_bits, hi | host_bits
    return lo, hi


def _compile_values(acl: Acl, values: Sequence[str], flags: tuple[str, ...], ref: SourceRef) -> None:
    typ = acl.type
    if typ in ADDRESS_TYPES:
        intervals = list(acl.addresses.intervals)
        unresolved = list(acl.unresolved)
        for v in values:
            if v == "all":
                intervals.extend(AddressSet.everything().intervals)
                continue
            parsed = _parse_address(v)
            if parsed is not None:
                intervals.append(parsed)
            elif _HOSTNAME.match(v) and not v.replace(".", "").isdigit():
                unresolved.append(v)  # Squid resolves names in src/dst ACLs once, at startup
            else:
                raise InputError(f"acl {acl.name} {typ}: {v!r} is not an IP address, CIDR or range",
                                 file=ref.file, line=ref.line, hint="e.g. 10.0.0.0/8 or 10.0.0.1-10.0.0.9")
        acl.addresses = AddressSet(intervals)
        acl.unresolved = tuple(unresolved)
    elif typ == "port":
        intervals_p = list(acl.ports.intervals)
        for v in values:
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", v)
            if not m:
                raise InputError(f"acl {acl.name} port: {v!r} is not a port or range", file=ref.file,
                                 line=ref.line, hint="e.g. 443 or 1025-65535")
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            if hi > 65535 or lo > hi:
                raise InputError(f"acl {acl.name} port: bad range {v!r}", file=ref.file, line=ref.line,
                                 hint="ports are 0-65535, low-high")
            intervals_p.append((lo, hi))
        acl.ports = PortSet(intervals_p)
    elif typ == "method":
        acl.methods = acl.methods | {v.upper() for v in values}
    elif typ == "at_step":
        acl.methods = acl.methods | {v.lower() for v in values}  # SslBump1..3, stored lower-case
    elif typ in DOMAIN_TYPES:
        acl.domains = acl.domains + tuple(v.lower().rstrip(".") if v != "." else v for v in values)
        if "-n" in flags:
            acl.no_reverse_lookup = True
    elif typ in REGEX_TYPES:
        ci = "-i" in flags
        compiled = list(acl.regexes)
        for v in values:
            if v in ("-i", "+i"):
                ci = v == "-i"
                continue
            try:
                compiled.append(re.compile(v, re.IGNORECASE if ci else 0))
            except re.error as exc:
                raise InputError(f"acl {acl.name} dstdom_regex: bad regular expression {v!r}: {exc}",
                                 file=ref.file, line=ref.line) from None
        acl.regexes = tuple(compiled)
        if "-n" in flags:
            acl.no_reverse_lookup = True


# --------------------------------------------------------------------------------------------------------
# matching


def match_domain(host: str, pattern: str) -> bool:
    """Squid dstdomain (Uri.h matchDomainName): ``.example.com`` matches example.com and its
    subdomains, ``example.com`` only itself; case-insensitive; a trailing dot on the host is ignored."""
    h = host.lower().rstrip(".")
    p = pattern.lower()
    if p.startswith("."):
        return h == p[1:] or h.endswith(p)
    return h == p


def _host_ip(host: str | None) -> AddressSet | None:
    if host is None:
        return None
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return None
    return AddressSet.parse(text)


@dataclass(frozen=True)
class _Cond:
    """One compiled item of an access line for a given request."""

    ref: AclRef
    acl: Acl
    scalar: bool | None = None  # for host/port/method ACLs: the raw match
    src: AddressSet | None = None  # for src ACLs: matching clients (raw)
    dst: AddressSet | None = None  # for dst ACLs: matching destinations (raw)
    unknown: str = ""  # non-empty: why it cannot be decided


def _condition(acl: Acl, ref: AclRef, req: ProxyRequest, step: int | None = None) -> _Cond:
    typ = acl.type
    if typ == "at_step":
        if step is None:
            return _Cond(ref, acl, unknown=f"{acl.name} is an at_step ACL outside ssl_bump")
        return _Cond(ref, acl, scalar=f"sslbump{step}" in acl.methods)
    if typ in ("ssl::server_name", "ssl::server_name_regex"):
        # the CONNECT host at step 1, the TLS SNI later; Go clients send the dialled host as SNI
        typ = "dstdomain" if typ == "ssl::server_name" else "dstdom_regex"
    if typ == "src":
        if acl.unresolved:
            return _Cond(ref, acl, unknown=f"{acl.name} lists host names ({', '.join(acl.unresolved)}) "
                                           "that Squid resolves at startup")
        return _Cond(ref, acl, src=acl.addresses)
    if typ == "dst":
        if acl.unresolved:
            return _Cond(ref, acl, unknown=f"{acl.name} lists host names ({', '.join(acl.unresolved)}) "
                                           "that Squid resolves at startup")
        if req.dst is None:
            return _Cond(ref, acl, unknown=f"{acl.name} is a dst ACL and the destination addresses of "
                                           f"{req.host} are not known (Squid resolves the name)")
        return _Cond(ref, acl, dst=acl.addresses)
    if typ == "port":
        return _Cond(ref, acl, scalar=req.port in acl.ports)
    if typ == "method":
        return _Cond(ref, acl, scalar=req.method.upper() in acl.methods)
    if typ == "manager":
        return _Cond(ref, acl, scalar=False)
    if typ in ("dstdomain", "dstdom_regex"):
        host = req.host
        if host is None or _host_ip(host) is not None:
            if acl.no_reverse_lookup:
                literal = (host or "").strip("[]").lower()
                if typ == "dstdomain":
                    return _Cond(ref, acl, scalar=bool(literal) and literal in acl.domains)
                return _Cond(ref, acl, scalar=bool(literal) and any(r.search(literal) for r in acl.regexes))
            return _Cond(ref, acl, unknown=f"{acl.name} is a {acl.type} ACL and the request names an IP "
                                           "address; Squid would try a reverse DNS lookup (use -n to "
                                           "disable it)")
        if typ == "dstdomain":
            return _Cond(ref, acl, scalar=any(match_domain(host, d) for d in acl.domains))
        return _Cond(ref, acl, scalar=any(r.search(host.lower().rstrip(".")) for r in acl.regexes))
    return _Cond(ref, acl, unknown=f"ACL type {typ!r} ({acl.name}) is not modelled; its match "
                                   "cannot be decided statically")


def _ev(cond: _Cond, matched: bool | None, text: str) -> AclEvidence:
    acl = cond.acl
    if acl.predefined and not acl.lines:
        text += " (predefined)"
    return AclEvidence(acl.name, acl.type, cond.ref.negated, matched, text, acl.sources)


def _detail(cond: _Cond, req: ProxyRequest, clients: AddressSet, dsts: AddressSet | None) -> AclEvidence:
    acl = cond.acl
    if cond.unknown:
        return _ev(cond, None, cond.unknown)
    if cond.scalar is not None:
        matched = cond.scalar
        verb = "is" if matched else "is not"
        if acl.type == "port":
            text = f"port {req.port} {verb} in {acl.name}"
        elif acl.type == "method":
            text = f"method {req.method.upper()} {verb} {acl.name}"
        elif acl.type == "manager":
            text = f"the request {verb} a cache-manager request ({acl.name})"
        elif acl.type == "at_step":
            text = f"this step {verb} in {acl.name}"
        else:
            text = f"host {req.host} {verb} in {acl.name}"
        return _ev(cond, matched, text)
    if cond.src is not None:
        inside = clients & cond.src
        if inside == clients:
            return _ev(cond, True, f"clients {clients} are in {acl.name}")
        if not inside:
            return _ev(cond, False, f"clients {clients} are not in {acl.name}")
        return _ev(cond, None, f"clients {inside} of {clients} are in {acl.name}")
    assert cond.dst is not None
    targets = dsts if dsts is not None else AddressSet.everything()
    inside = targets & cond.dst
    if inside == targets:
        return _ev(cond, True, f"destination {targets} is in {acl.name}")
    if not inside:
        return _ev(cond, False, f"destination {targets} is not in {acl.name}")
    return _ev(cond, None, f"destinations {inside} of {targets} are in {acl.name}")


def _compile_line(config: SquidConfig, line: AccessLine, req: ProxyRequest,
                  step: int | None = None) -> CompiledLine | None:
    everything = AddressSet.everything()
    clients: AddressSet = everything
    dsts: AddressSet = everything
    unknown = False
    conds: list[_Cond] = []
    for ref in line.acls:
        acl = config.acl(ref.name)
        cond = _condition(acl, ref, req, step)
        conds.append(cond)
        if cond.unknown:
            unknown = True
        elif cond.scalar is not None:
            if cond.scalar == ref.negated:  # item is false: the whole line cannot match
                return None
        elif cond.src is not None:
            clients = as_addresses(clients & (everything - cond.src if ref.negated else cond.src))
        elif cond.dst is not None:
            dsts = as_addresses(dsts & (everything - cond.dst if ref.negated else cond.dst))
    action = line.action
    frozen = tuple(conds)

    def evidence(part_clients: AddressSet, part_dsts: AddressSet | None) -> tuple[AclEvidence, ...]:
        return tuple(_detail(c, req, part_clients, part_dsts) for c in frozen)

    return CompiledLine(action, clients, dsts, line.source, line.text, evidence, unknown=unknown)


def _request(client: AddressSet, host: str | None, dst: AddressSet | None, port: int,
             method: str) -> ProxyRequest:
    if dst is None:
        dst = _host_ip(host)  # an IP-literal URL names its destination
    return ProxyRequest(client, host, dst, port, method.upper())


def decide(config: SquidConfig, client: AddressSet, host: str | None, dst: AddressSet | None, port: int,
           method: str) -> ProxyDecision:
    """What Squid's http_access says for ``method`` to ``host``/``dst``:``port`` from the ``client`` set.

    ``host`` is the requested name (None for an IP-literal request given by ``dst``); ``dst`` the
    destination addresses if known. Returns allow / deny / partial / unknown with the deciding line.
    """
    req = _request(client, host, dst, port, method)
    lines = [_compile_line(config, line, req) for line in config.http_access]
    if not config.http_access:
        return assemble(req, lines, "deny", None, "no http_access lines: Squid denies every request")
    last = config.http_access[-1]
    default: Outcome = "deny" if last.action == "allow" else "allow"
    return assemble(req, lines, default, last.source, last.text)


BUMP_FINAL = {"bump": True, "client-first": True, "server-first": True, "splice": False, "none": False,
              "terminate": False}


def ssl_bump_decision(config: SquidConfig, client: AddressSet, host: str | None, dst: AddressSet | None,
                      port: int) -> ProxyDecision:
    """Whether Squid would bump (decrypt) a CONNECT to ``host``:``port`` — HTTP/2 gRPC breaks there.

    Read the parts' ``outcome`` "allow" as *bumped*, "deny" as *not bumped* (spliced, tunnelled or
    terminated), "unknown" where it depends on an ACL that cannot be decided. Modelled from cf.data.pre
    ssl_bump: nothing is bumped unless some http_port/https_port has the ``ssl-bump`` option; the lines
    are evaluated first-match at step 1 (CONNECT), 2 (ClientHello) and 3 (ServerHello) with ``at_step``
    true at its step; splice/bump/terminate (and the old client-first/server-first/none) end the
    decision, peek/stare go on to the next step; after ``peek`` at step 2 only splice is possible, after
    ``stare`` only bump; no matching line means no bumping (Squid's default: become a TCP tunnel).
    ``ssl::server_name`` matches the CONNECT host (the SNI of a Go client) like dstdomain.
    """
    req = _request(client, host, dst, port, "CONNECT")
    if not any(li.ssl_bump for li in config.listeners):
        return assemble(req, [], "deny", None, "no http_port/https_port has the ssl-bump option")
    everything = AddressSet.everything()
    start = Box(req.client, req.dst if req.dst is not None else everything)
    parts: list[DecisionPart] = []
    dst_known = req.dst is not None

    def walk(box: Box, step: int, trail: tuple[str, ...], last_action: str | None) -> None:
        compiled = [_compile_line(config, line, req, step) for line in config.ssl_bump]
        kept = [c for c in compiled if c is not None]
        for (action, index, _pending), boxes in first_match(box, kept, "(no match)"):
            line = kept[index] if index >= 0 else None
            where = f"step{step} {action}" + (f" ({line.source.location()})" if line and line.source else "")
            here = (*trail, where)
            for b in boxes:
                dsts = b.dst if dst_known else None
                if action == "unknown":
                    outcome: Outcome = "unknown"
                elif action in BUMP_FINAL:
                    outcome = "allow" if BUMP_FINAL[action] else "deny"
                    if last_action == "peek" and step == 3 and action == "bump":
                        outcome = "deny"  # cannot bump after peeking at step 2
                    if last_action == "stare" and step == 3 and action == "splice":
                        outcome = "allow"  # cannot splice after staring at step 2
                elif action in ("peek", "stare") and step < 3:
                    walk(b, step + 1, here, action)
                    continue
                else:  # no matching line (or peek/stare at step 3)
                    outcome = "allow" if last_action == "stare" else "deny"
                text = " → ".join(here)
                ev = line.evidence(b.src, dsts) if line else ()
                parts.append(DecisionPart(outcome, b.src, dsts, line.source if line else None, text,
                                          implicit=line is None, acls=ev))

    walk(start, 1, (), None)
    return ProxyDecision(verdict_of({p.outcome for p in parts}), req, tuple(parts))
