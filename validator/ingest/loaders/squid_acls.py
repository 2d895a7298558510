"""Squid ACL values → the sets of ``model.proxy.Acl``: addresses (ip, ip/bits, ip/dotted-mask, a-b, a-b/mask,
``all``; host names kept unresolved), ports, methods, ``at_step`` steps, domains and regular expressions,
and the ACLs Squid predefines.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

import re2

from validator.model.errors import InputError
from validator.model.proxy import ADDRESS_TYPES, DOMAIN_TYPES, REGEX_TYPES, Acl
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet, parse_range

PREDEFINED: dict[str, tuple[str, tuple[str, ...]]] = {
    "all": ("src", ("0.0.0.0/0", "::/0")),
    "manager": ("manager", ()),  # cache manager URLs (url_regex in Squid); never a proxied request
    "localhost": ("src", ("127.0.0.1/32", "::1")),
    "to_localhost": ("dst", ("127.0.0.0/8", "0.0.0.0/32", "::/128", "::1/128")),
    "to_linklocal": ("dst", ("169.254.0.0/16", "fe80::/10")),
    "CONNECT": ("method", ("CONNECT",)),
}

_HOSTNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$")


def _parse_address(text: str) -> tuple[int, int] | None:
    """Squid address forms: ip, ip/bits, ip/dotted-mask, a-b, a-b/mask, 'all'. None = not an address."""
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


def linear_regex(pattern: str, ignore_case: bool, what: str, ref: SourceRef) -> Any:
    """A regular expression matched in linear time (RE2): a pattern such as ``^(a|aa)+$`` cannot make a
    hostile host name take exponential time, as it could with a backtracking engine."""
    options = re2.Options()
    options.log_errors = False  # errors become the InputError below, not lines on stderr
    options.case_sensitive = not ignore_case
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise InputError(
            f"{what}: bad regular expression {pattern!r}: {reason}",
            file=ref.file,
            line=ref.line,
            hint="Squid's regular expressions are POSIX extended ones; back-references are not supported",
        ) from None


def compile_values(acl: Acl, values: Sequence[str], flags: tuple[str, ...], ref: SourceRef) -> None:
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
                raise InputError(
                    f"acl {acl.name} {typ}: {v!r} is not an IP address, CIDR or range",
                    file=ref.file,
                    line=ref.line,
                    hint="e.g. 10.0.0.0/8 or 10.0.0.1-10.0.0.9",
                )
        acl.addresses = AddressSet(intervals)
        acl.unresolved = tuple(unresolved)
    elif typ == "port":
        intervals_p = list(acl.ports.intervals)
        for v in values:
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", v)
            if not m:
                raise InputError(
                    f"acl {acl.name} port: {v!r} is not a port or range",
                    file=ref.file,
                    line=ref.line,
                    hint="e.g. 443 or 1025-65535",
                )
            lo = int(m.group(1))
            hi = int(m.group(2)) if m.group(2) else lo
            if hi > 65535 or lo > hi:
                raise InputError(
                    f"acl {acl.name} port: bad range {v!r}",
                    file=ref.file,
                    line=ref.line,
                    hint="ports are 0-65535, low-high",
                )
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
            compiled.append(linear_regex(v, ci, f"acl {acl.name} {typ}", ref))
        acl.regexes = tuple(compiled)
        if "-n" in flags:
            acl.no_reverse_lookup = True
