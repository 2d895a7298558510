"""A client's proxy environment as data: HTTPS_PROXY / HTTP_PROXY / NO_PROXY, parsed as Go parses them.

Palette's agents are Go programs, so parsing follows ``golang.org/x/net/http/httpproxy`` (``proxy.go``:
``parseProxy``, ``config.init``; golang/net @094d4385, BSD-3-Clause):

- A proxy value without ``scheme://`` is taken as ``http://value``. The proxy's own default port comes from
  its scheme: http 80, https 443, socks5 1080 (Go's ``portMap``).
- NO_PROXY is comma-separated, entries are trimmed and lower-cased, empty entries skipped. ``*`` anywhere
  means no proxy for anything. An entry is a CIDR, an IP (optionally with ``:port``, ``[v6]:port`` for
  IPv6) or a domain (``example.com``, ``.example.com`` or ``*.example.com``, optionally with ``:port``),
  compared after IDNA to ASCII.

Where a request goes with these settings is the analysis' (``analysis/proxy_env.py``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from validator.model.errors import InputError
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet

DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080}


def idna_ascii(host: str) -> str:
    """A host name as IDNA ASCII (how Go compares names); unchanged when it cannot be encoded."""
    if host.isascii():
        return host
    try:
        return ".".join(label.encode("idna").decode("ascii") if label else label for label in host.split("."))
    except UnicodeError:
        return host


def ip_literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``text`` spells, else None (a host name)."""
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
            raise InputError(
                f"{variable}={text!r} is not a valid proxy URL: {exc}",
                file=file,
                line=line,
                hint="use http://host:port or http://user:pass@host:port",
            ) from None
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        if not host:
            raise InputError(
                f"{variable}={text!r} has no host",
                file=file,
                line=line,
                hint="use http://host:port or http://user:pass@host:port",
            )
        if scheme not in DEFAULT_PORTS:
            raise InputError(
                f"{variable}={text!r}: proxy scheme {scheme!r} is not supported by Go's HTTP transport",
                file=file,
                line=line,
                hint="use http://, https:// or socks5://",
            )
        return cls(
            scheme,
            host,
            port if port is not None else DEFAULT_PORTS[scheme],
            parts.username or None,
            parts.password is not None,
            port is not None,
        )

    @property
    def address(self) -> AddressSet | None:
        """The proxy's address when its host is an IP literal (else a name to resolve)."""
        return AddressSet.parse(self.host) if ip_literal(self.host) is not None else None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = (
            f"{self.username}:***@"
            if self.username and self.has_password
            else (f"{self.username}@" if self.username else "")
        )
        return f"{self.scheme}://{user}{host}:{self.port}"

    def to_json(self) -> dict[str, object]:
        return {
            "scheme": self.scheme,
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "has_password": self.has_password,
            "explicit_port": self.raw_port,
            "url": str(self),
        }


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

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "index": self.index,
            "kind": self.kind,
            "addresses": self.addresses.ranges() if self.addresses is not None else None,
            "domain": self.domain,
            "match_host": self.match_host,
            "port": self.port,
        }


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
        if ip_literal(phost) is not None:
            out.append(NoProxyEntry(p, index, "ip", addresses=AddressSet.parse(phost), port=pport))
            continue
        if phost.startswith("*."):
            phost = phost[1:]
        match_host = not phost.startswith(".")
        if match_host:
            phost = "." + phost
        out.append(NoProxyEntry(p, index, "domain", domain=idna_ascii(phost), match_host=match_host, port=pport))
    return tuple(out)


def _split_host_port(text: str) -> tuple[str | None, str | None]:
    """Go's net.SplitHostPort: (host, port) or (None, None) when there is no valid host:port form."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or not text[end + 1 :].startswith(":"):
            return None, None
        return text[1:end], text[end + 2 :]
    if text.count(":") != 1:
        return None, None  # no port, or a bare IPv6 address
    host, port = text.split(":", 1)
    return host, port


@dataclass(frozen=True)
class ProxySettings:
    """The proxy environment of a client (PCG / workload node / edge host)."""

    https_proxy: ProxyURL | None = None
    http_proxy: ProxyURL | None = None
    no_proxy: tuple[NoProxyEntry, ...] = ()
    no_proxy_text: str = ""
    source: SourceRef | None = field(default=None, compare=False)

    @classmethod
    def parse(
        cls,
        https_proxy: str | None,
        http_proxy: str | None = None,
        no_proxy: str | None = None,
        source: SourceRef | None = None,
    ) -> ProxySettings:
        """Empty or None values mean "not set"."""
        https = ProxyURL.parse(https_proxy, "HTTPS_PROXY", source) if https_proxy else None
        http = ProxyURL.parse(http_proxy, "HTTP_PROXY", source) if http_proxy else None
        text = no_proxy or ""
        return cls(https, http, parse_no_proxy(text), text, source)

    def to_json(self) -> dict[str, object]:
        return {
            "https_proxy": self.https_proxy.to_json() if self.https_proxy else None,
            "http_proxy": self.http_proxy.to_json() if self.http_proxy else None,
            "no_proxy": [e.to_json() for e in self.no_proxy],
            "no_proxy_text": self.no_proxy_text,
            "source": self.source.to_json() if self.source else None,
        }
