"""HTTPS_PROXY / HTTP_PROXY / NO_PROXY as Palette's Go agent reads them.

Palette's agents are Go programs, so the rules are those of ``golang.org/x/net/http/httpproxy``
(``proxy.go``: ``Config.NoProxy`` doc, ``parseProxy``, ``useProxy``, ``config.init``, ``domainMatch``;
golang/net @094d4385, BSD-3-Clause), which net/http's ProxyFromEnvironment uses:

- https requests use HTTPS_PROXY, http requests HTTP_PROXY; there is no fallback from one to the other.
- A proxy value without ``scheme://`` is taken as ``http://value``. The proxy's own default port comes from
  its scheme: http 80, https 443, socks5 1080 (Go's ``portMap``).
- ``localhost`` and loopback IPs (127.0.0.0/8, ::1) are never proxied, whatever NO_PROXY says.
- NO_PROXY is comma-separated, entries are trimmed and lower-cased, empty entries skipped. ``*`` anywhere
  means no proxy for anything. A CIDR matches IP-literal hosts inside it (any port). An IP matches that IP
  literal, optionally only on ``:port`` (``[v6]:port`` for IPv6). Anything else is a domain:
  ``example.com`` matches example.com and all its subdomains, ``.example.com`` and ``*.example.com`` match
  subdomains only (not example.com itself), optionally with ``:port``. Domains are compared as strings after
  IDNA to ASCII; an IP entry never matches a host *name* (no DNS), and a domain entry is also tried on the
  text of an IP literal (Go does this).

An AddressSet request (host None, the client dials IP addresses) is split: the loopback part and the part
inside IP/CIDR entries go direct, the rest through the proxy. Domain entries are tried on the text of an
IP only when the set is a single address (a multi-address set is never enumerated).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from validator.analysis.ordered import as_addresses
from validator.model.errors import InputError
from validator.model.sets import AddressSet, SourceRef

DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080}
LOOPBACK = AddressSet.parse("127.0.0.0/8", "::1", "::ffff:127.0.0.0/104")  # Go's IP.IsLoopback


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        return ".".join(label.encode("idna").decode("ascii") if label else label
                        for label in host.split("."))
    except UnicodeError:
        return host


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ProxyURL:
    """A parsed proxy URL. The password is never kept, only whether there was one."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    has_password: bool = False
    raw_port: bool = True  # False when the port came from the scheme default

    @classmethod
    def parse(cls, text: str, variable: str = "HTTPS_PROXY", source: SourceRef | None = None) -> ProxyURL:
        """Parse like Go's httpproxy.parseProxy; InputError for what an agent could not dial."""
        value = text.strip()
        file = source.file if source else None
        line = source.line if source else None
        if not value:
            raise InputError(f"{variable} is empty", file=file, line=line)
        if "://" not in value:
            value = "http://" + value
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError as exc:
            raise InputError(f"{variable}={text!r} is not a valid proxy URL: {exc}", file=file, line=line,
                             hint="use http://host:port or http://user:pass@host:port") from None
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        if not host:
            raise InputError(f"{variable}={text!r} has no host", file=file, line=line,
                             hint="use http://host:port or http://user:pass@host:port")
        if scheme not in DEFAULT_PORTS:
            raise InputError(f"{variable}={text!r}: proxy scheme {scheme!r} is not supported by Go's "
                             "HTTP transport", file=file, line=line, hint="use http://, https:// or socks5://")
        return cls(scheme, host, port if port is not None else DEFAULT_PORTS[scheme],
                   parts.username or None, parts.password is not None, port is not None)

    @property
    def address(self) -> AddressSet | None:
        """The proxy's address when its host is an IP literal (else a name to resolve)."""
        return AddressSet.parse(self.host) if _ip(self.host) is not None else None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = f"{self.username}:***@" if self.username and self.has_password else (
            f"{self.username}@" if self.username else "")
        return f"{self.scheme}://{user}{host}:{self.port}"

    def to_json(self) -> dict[str, object]:
        return {"scheme": self.scheme, "host": self.host, "port": self.port, "username": self.username,
                "has_password": self.has_password, "explicit_port": self.raw_port, "url": str(self)}


EntryKind = Literal["all", "cidr", "ip", "domain"]


@dataclass(frozen=True)
class NoProxyEntry:
    """One NO_PROXY entry as Go's config.init classifies it."""

    text: str
    index: int
    kind: EntryKind
    addresses: AddressSet | None = None
    domain: str | None = None  # always with a leading dot
    match_host: bool = False  # bare "example.com": also matches example.com itself
    port: str | None = None  # Go compares the port as text

    def matches_name(self, host: str, port: int) -> bool:
        """Go's domainMatch / allMatch on a (lower-cased, IDNA) host string."""
        if self.kind == "all":
            return True
        if self.kind != "domain" or self.domain is None:
            return False
        if host.endswith(self.domain) or (self.match_host and host == self.domain[1:]):
            return self.port is None or self.port == str(port)
        return False

    def matched_addresses(self, port: int) -> AddressSet:
        """The IP-literal hosts this entry sends direct for ``port`` (cidr / ip entries)."""
        if self.kind == "all":
            return AddressSet.everything()
        if self.kind in ("cidr", "ip") and self.addresses is not None and (
                self.port is None or self.port == str(port)):
            return self.addresses
        return AddressSet()

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "index": self.index, "kind": self.kind,
                "addresses": self.addresses.ranges() if self.addresses is not None else None,
                "domain": self.domain, "match_host": self.match_host, "port": self.port}


def parse_no_proxy(value: str) -> tuple[NoProxyEntry, ...]:
    """Classify NO_PROXY entries exactly like httpproxy's config.init; malformed entries are dropped
    (Go ignores them too). A ``*`` entry yields a single "all" entry."""
    out: list[NoProxyEntry] = []
    for index, raw in enumerate(value.split(",")):
        p = raw.strip().lower()
        if not p:
            continue
        if p == "*":
            return (NoProxyEntry(p, index, "all"),)
        if "/" in p:
            try:
                net = ipaddress.ip_network(p, strict=False)
            except ValueError:
                net = None
            if net is not None:
                out.append(NoProxyEntry(p, index, "cidr", addresses=AddressSet.parse(str(net))))
                continue
        phost, pport = _split_host_port(p)
        if phost is None:
            phost, pport = p, None
        elif not phost:
            continue  # ":1" — no host part; Go ignores it
        if _ip(phost) is not None:
            out.append(NoProxyEntry(p, index, "ip", addresses=AddressSet.parse(phost), port=pport))
            continue
        if phost.startswith("*."):
            phost = phost[1:]
        match_host = not phost.startswith(".")
        if match_host:
            phost = "." + phost
        out.append(NoProxyEntry(p, index, "domain", domain=_idna(phost), match_host=match_host, port=pport))
    return tuple(out)


def _split_host_port(text: str) -> tuple[str | None, str | None]:
    """Go's net.SplitHostPort: (host, port) or (None, None) when there is no valid host:port form."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or not text[end + 1:].startswith(":"):
            return None, None
        return text[1:end], text[end + 2:]
    if text.count(":") != 1:
        return None, None  # no port, or a bare IPv6 address
    host, port = text.split(":", 1)
    return host, port


@dataclass(frozen=True)
class ProxyRoute:
    """How a request leaves the client: through ``proxy`` or direct, and why.

    For a host-name request the route is all-or-nothing. For an AddressSet request ``direct`` and
    ``proxied`` split the addresses (``partial`` when both are non-empty); ``proxy`` is the proxy used for
    the proxied part. ``bypass`` is the NO_PROXY entry (or rule) that sent the (first) direct part
    direct, ``bypass_entries`` all of them.
    """

    proxy: ProxyURL | None
    reason: str
    bypass: NoProxyEntry | None = None
    bypass_entries: tuple[NoProxyEntry, ...] = ()
    direct: AddressSet | None = None
    proxied: AddressSet | None = None

    @property
    def is_direct(self) -> bool:
        return self.proxy is None

    @property
    def partial(self) -> bool:
        return bool(self.direct) and bool(self.proxied)

    def to_json(self) -> dict[str, object]:
        return {"proxy": self.proxy.to_json() if self.proxy else None, "reason": self.reason,
                "bypass": self.bypass.to_json() if self.bypass else None,
                "bypass_entries": [e.to_json() for e in self.bypass_entries],
                "direct": self.direct.ranges() if self.direct is not None else None,
                "proxied": self.proxied.ranges() if self.proxied is not None else None,
                "partial": self.partial}


@dataclass(frozen=True)
class ProxySettings:
    """The proxy environment of a client (PCG / workload node / edge host)."""

    https_proxy: ProxyURL | None = None
    http_proxy: ProxyURL | None = None
    no_proxy: tuple[NoProxyEntry, ...] = ()
    no_proxy_text: str = ""
    source: SourceRef | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, https_proxy: str | None, http_proxy: str | None = None, no_proxy: str | None = None,
              source: SourceRef | None = None) -> ProxySettings:
        """Empty or None values mean "not set"."""
        https = ProxyURL.parse(https_proxy, "HTTPS_PROXY", source) if https_proxy else None
        http = ProxyURL.parse(http_proxy, "HTTP_PROXY", source) if http_proxy else None
        text = no_proxy or ""
        return cls(https, http, parse_no_proxy(text), text, source)

    @classmethod
    def from_env(cls, env: Mapping[str, str], source: SourceRef | None = None) -> ProxySettings:
        """From environment variables as Go's httpproxy.FromEnvironment reads them: the upper-case name
        first, then the lower-case one; an empty value counts as unset."""
        def get(*names: str) -> str | None:
            for name in names:
                if env.get(name):
                    return env[name]
            return None

        return cls.parse(get("HTTPS_PROXY", "https_proxy"), get("HTTP_PROXY", "http_proxy"),
                         get("NO_PROXY", "no_proxy"), source)

    def proxy_for(self, host: str | None, address: AddressSet | None, port: int,
                  scheme: str = "https") -> ProxyRoute:
        """Where a request to ``host`` (a name or IP literal) or, when host is None, to the ``address``
        set goes, on ``port``, for a ``scheme`` (https/http) URL."""
        proxy = self.https_proxy if scheme == "https" else self.http_proxy if scheme == "http" else None
        if proxy is None:
            var = "HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY"
            return ProxyRoute(None, f"{var} is not set: {scheme} requests go direct", direct=address,
                              proxied=AddressSet() if address is not None else None)
        if host is not None:
            name = host.strip().lower()
            if name.startswith("[") and name.endswith("]"):
                name = name[1:-1]
            ip = _ip(name)
            if ip is None:
                return self._route_name(proxy, _idna(name), port)
            address = AddressSet.parse(str(ip))
            return self._route_addresses(proxy, address, port, str(ip))
        if address is None:
            raise ValueError("proxy_for needs a host or an address set")
        single = None
        if len(address.intervals) == 1 and address.intervals[0][0] == address.intervals[0][1]:
            single = address.ranges()[0]
        return self._route_addresses(proxy, address, port, single)

    def _route_name(self, proxy: ProxyURL, name: str, port: int) -> ProxyRoute:
        if name == "localhost":
            return ProxyRoute(None, "Go never proxies localhost")
        for entry in self.no_proxy:
            if entry.matches_name(name, port):
                return ProxyRoute(None, f"NO_PROXY entry {entry.text!r} matches {name}", entry, (entry,))
        return ProxyRoute(proxy, f"no NO_PROXY entry matches {name}")

    def _route_addresses(self, proxy: ProxyURL, address: AddressSet, port: int,
                         text: str | None) -> ProxyRoute:
        direct = as_addresses(address & LOOPBACK)
        reasons: list[str] = []
        if direct:
            reasons.append(f"loopback {direct} is never proxied")
        entries: list[NoProxyEntry] = []
        rest = as_addresses(address - LOOPBACK)
        ordered = [e for e in self.no_proxy if e.kind in ("all", "cidr", "ip")] + [
            e for e in self.no_proxy if e.kind == "domain"]
        for entry in ordered:
            if not rest:
                break
            if entry.kind == "domain":
                hit = rest if text is not None and entry.matches_name(text, port) else AddressSet()
            else:
                hit = as_addresses(rest & entry.matched_addresses(port))
            if hit:
                entries.append(entry)
                reasons.append(f"NO_PROXY entry {entry.text!r} matches {hit}")
                direct = as_addresses(direct | hit)
                rest = as_addresses(rest - hit)
        if rest:
            reasons.append(f"{rest} matches no NO_PROXY entry")
        return ProxyRoute(proxy if rest else None, "; ".join(reasons), entries[0] if entries else None,
                          tuple(entries), direct=direct, proxied=rest)

    def to_json(self) -> dict[str, object]:
        return {"https_proxy": self.https_proxy.to_json() if self.https_proxy else None,
                "http_proxy": self.http_proxy.to_json() if self.http_proxy else None,
                "no_proxy": [e.to_json() for e in self.no_proxy], "no_proxy_text": self.no_proxy_text,
                "source": self.source.to_json() if self.source else None}
