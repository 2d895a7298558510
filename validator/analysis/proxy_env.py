"""Where a client's request goes with its proxy settings: Go's ``httpproxy`` semantics, as Palette's agent uses them.

Palette's agents are Go programs, so the rules are those of ``golang.org/x/net/http/httpproxy``
(``proxy.go``: ``Config.NoProxy`` doc, ``useProxy``, ``domainMatch``; golang/net @094d4385, BSD-3-Clause),
which net/http's ProxyFromEnvironment uses (the settings are parsed in ``model/proxy_settings.py``):

- https requests use HTTPS_PROXY, http requests HTTP_PROXY; there is no fallback from one to the other.
- ``localhost`` and loopback IPs (127.0.0.0/8, ::1) are never proxied, whatever NO_PROXY says.
- A NO_PROXY CIDR matches IP-literal hosts inside it (any port). An IP matches that IP literal, optionally
  only on its port. ``example.com`` matches example.com and all its subdomains, ``.example.com`` and
  ``*.example.com`` match subdomains only (not example.com itself), optionally only on their port. Domains
  are compared as strings after IDNA to ASCII; an IP entry never matches a host *name* (no DNS), and a
  domain entry is also tried on the text of an IP literal (Go does this).

An AddressSet request (host None, the client dials IP addresses) is split: the loopback part and the part
inside IP/CIDR entries go direct, the rest through the proxy. Domain entries are tried on the text of an
IP only when the set is a single address (a multi-address set is never enumerated).
"""

from __future__ import annotations

from dataclasses import dataclass

from validator.model.proxy_settings import NoProxyEntry, ProxySettings, ProxyURL, idna_ascii, ip_literal
from validator.model.sets import AddressSet, as_addresses

LOOPBACK = AddressSet.parse("127.0.0.0/8", "::1", "::ffff:127.0.0.0/104")  # Go's IP.IsLoopback


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
        return {
            "proxy": self.proxy.to_json() if self.proxy else None,
            "reason": self.reason,
            "bypass": self.bypass.to_json() if self.bypass else None,
            "bypass_entries": [e.to_json() for e in self.bypass_entries],
            "direct": self.direct.ranges() if self.direct is not None else None,
            "proxied": self.proxied.ranges() if self.proxied is not None else None,
            "partial": self.partial,
        }


def matches_name(entry: NoProxyEntry, host: str, port: int) -> bool:
    """Go's domainMatch / allMatch on a (lower-cased, IDNA) host string."""
    if entry.kind == "all":
        return True
    if entry.kind != "domain" or entry.domain is None:
        return False
    if host.endswith(entry.domain) or (entry.match_host and host == entry.domain[1:]):
        return entry.port is None or entry.port == str(port)
    return False


def matched_addresses(entry: NoProxyEntry, port: int) -> AddressSet:
    """The IP-literal hosts this entry sends direct for ``port`` (cidr / ip entries)."""
    if entry.kind == "all":
        return AddressSet.everything()
    if entry.kind in ("cidr", "ip") and entry.addresses is not None and (entry.port is None or entry.port == str(port)):
        return entry.addresses
    return AddressSet()


def proxy_for(
    settings: ProxySettings, host: str | None, address: AddressSet | None, port: int, scheme: str = "https"
) -> ProxyRoute:
    """Where a request to ``host`` (a name or IP literal) or, when host is None, to the ``address``
    set goes, on ``port``, for a ``scheme`` (https/http) URL."""
    proxy = settings.https_proxy if scheme == "https" else settings.http_proxy if scheme == "http" else None
    if proxy is None:
        var = "HTTPS_PROXY" if scheme == "https" else "HTTP_PROXY"
        return ProxyRoute(
            None,
            f"{var} is not set: {scheme} requests go direct",
            direct=address,
            proxied=AddressSet() if address is not None else None,
        )
    if host is not None:
        name = host.strip().lower()
        if name.startswith("[") and name.endswith("]"):
            name = name[1:-1]
        ip = ip_literal(name)
        if ip is None:
            return _route_name(settings, proxy, idna_ascii(name), port)
        address = AddressSet.parse(str(ip))
        return _route_addresses(settings, proxy, address, port, str(ip))
    if address is None:
        raise ValueError("proxy_for needs a host or an address set")
    single = None
    if len(address.intervals) == 1 and address.intervals[0][0] == address.intervals[0][1]:
        single = address.ranges()[0]
    return _route_addresses(settings, proxy, address, port, single)


def _route_name(settings: ProxySettings, proxy: ProxyURL, name: str, port: int) -> ProxyRoute:
    if name == "localhost":
        return ProxyRoute(None, "Go never proxies localhost")
    for entry in settings.no_proxy:
        if matches_name(entry, name, port):
            return ProxyRoute(None, f"NO_PROXY entry {entry.text!r} matches {name}", entry, (entry,))
    return ProxyRoute(proxy, f"no NO_PROXY entry matches {name}")


def _route_addresses(
    settings: ProxySettings, proxy: ProxyURL, address: AddressSet, port: int, text: str | None
) -> ProxyRoute:
    direct = as_addresses(address & LOOPBACK)
    reasons: list[str] = []
    if direct:
        reasons.append(f"loopback {direct} is never proxied")
    entries: list[NoProxyEntry] = []
    rest = as_addresses(address - LOOPBACK)
    ordered = [e for e in settings.no_proxy if e.kind in ("all", "cidr", "ip")] + [
        e for e in settings.no_proxy if e.kind == "domain"
    ]
    for entry in ordered:
        if not rest:
            break
        if entry.kind == "domain":
            hit = rest if text is not None and matches_name(entry, text, port) else AddressSet()
        else:
            hit = as_addresses(rest & matched_addresses(entry, port))
        if hit:
            entries.append(entry)
            reasons.append(f"NO_PROXY entry {entry.text!r} matches {hit}")
            direct = as_addresses(direct | hit)
            rest = as_addresses(rest - hit)
    if rest:
        reasons.append(f"{rest} matches no NO_PROXY entry")
    return ProxyRoute(
        proxy if rest else None,
        "; ".join(reasons),
        entries[0] if entries else None,
        tuple(entries),
        direct=direct,
        proxied=rest,
    )
