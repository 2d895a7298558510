"""OPA builtins regorus lacks, re-implemented in Python with OPA's exact semantics.

``net.cidr_intersects``, ``net.cidr_merge`` and ``net.cidr_contains_matches`` follow OPA's Go code
(``v1/topdown/cidr.go`` and ``internal/cidr/merge``): Go's ``net.ParseCIDR``/``net.ParseIP`` parsing rules,
IPv4-mapped IPv6 treated as IPv4, bare IPv4 addresses in ``cidr_merge`` getting their classful default
mask and keeping their host bits when not merged, and OPA's error texts. Each function receives plain
Python values from regorus and raises ``BuiltinError`` for what OPA reports as ``eval_builtin_error``.

The sandbox stubs replace builtins that would let a policy reach the network or the host.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_MAPPED_BASE = 0xFFFF << 32  # ::ffff:0:0, where Go keeps IPv4 inside a 16-byte address
_V4_SPACE_END = _MAPPED_BASE + 0xFFFFFFFF


class BuiltinError(ValueError):
    """What OPA reports as eval_builtin_error; the message already names the builtin."""


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, set | frozenset):
        return "set"
    return type(value).__name__


def _string_operand(value: Any, pos: int) -> str:
    if not isinstance(value, str):
        raise _Err(f"operand {pos} must be string but got {_type_name(value)}")
    return value


class _Err(Exception):
    """Internal: a builtin error before the builtin name is prefixed."""


def _parse_addr(text: str) -> Address | None:
    """Go's ``netip.ParseAddr`` without zones: dotted quad (no leading zeros) or IPv6."""
    if "%" in text or not text.isascii():
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _unmap(addr: Address) -> Address:
    """Go compares IPv4-mapped IPv6 addresses as IPv4 (``IP.To4``)."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _unmap_net(net: Network) -> Network:
    """A v6 network whose masked address is v4-mapped (so prefix >= 96) behaves as IPv4 in Go."""
    if isinstance(net, ipaddress.IPv6Network) and net.network_address.ipv4_mapped is not None:
        return ipaddress.IPv4Network((net.network_address.ipv4_mapped, net.prefixlen - 96))
    return net


def parse_cidr(text: str) -> Network:
    """Go's ``net.ParseCIDR``: ``addr/len`` with a decimal prefix length, host bits dropped."""
    addr_text, slash, mask = text.partition("/")
    addr = _parse_addr(addr_text)
    if not slash or addr is None or not mask or not (mask.isascii() and mask.isdigit()):
        raise _Err(f"invalid CIDR address: {text}")
    bits = 32 if addr.version == 4 else 128
    if len(mask) > 7 or int(mask) > bits:
        raise _Err(f"invalid CIDR address: {text}")
    return _unmap_net(ipaddress.ip_network((addr, int(mask)), strict=False))


def _format_net(net: Network) -> str:
    return str(_unmap_net(net))


def _contains(cidr_a: Any, b: Any) -> bool:
    """OPA's ``net.cidr_contains`` (used by ``cidr_contains_matches``)."""
    net_a = parse_cidr(_string_operand(cidr_a, 1))
    b_text = _string_operand(b, 1)
    addr = _parse_addr(b_text)
    if addr is not None:
        addr = _unmap(addr)
        return addr.version == net_a.version and addr in net_a
    try:
        net_b = parse_cidr(b_text)
    except _Err:
        raise _Err(f"not a valid textual representation of an IP address or CIDR: {b_text}") from None
    if net_b.version != net_a.version:
        return False
    return net_b.network_address in net_a and net_b.broadcast_address in net_a


def _guard(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any) -> Any:
        try:
            return func(*args)
        except _Err as exc:
            raise BuiltinError(f"{name}: {exc}") from None

    wrapper.__name__ = name.replace(".", "_")
    wrapper.__doc__ = func.__doc__
    return wrapper


def _cidr_intersects(a: Any, b: Any) -> bool:
    """True when the two CIDRs share an address (either contains the other's first address)."""
    net_a = parse_cidr(_string_operand(a, 1))
    net_b = parse_cidr(_string_operand(b, 1))
    if net_a.version != net_b.version:
        return False
    return net_b.network_address in net_a or net_a.network_address in net_b


# --- net.cidr_merge -------------------------------------------------------------------------------


def _default_prefix(addr: ipaddress.IPv4Address) -> int:
    first = int(addr) >> 24
    return 8 if first < 0x80 else 16 if first < 0xC0 else 24


def _merge_entry(value: Any) -> tuple[int, int, str]:
    """(first, last, text) in Go's 16-byte space; text is how OPA prints it when not merged."""
    if not isinstance(value, str):
        raise _Err("element must be string")
    addr = _parse_addr(value)
    if addr is not None:
        addr = _unmap(addr)
        if not isinstance(addr, ipaddress.IPv4Address):
            raise _Err("IPv6 invalid: needs prefix length")
        prefix = _default_prefix(addr)
        net: Network = ipaddress.IPv4Network((addr, prefix), strict=False)
        text = f"{addr}/{prefix}"  # Go keeps the host bits: IPNet{IP: ip, Mask: DefaultMask}
    else:
        net = parse_cidr(value)
        text = _format_net(net)
    offset = _MAPPED_BASE if net.version == 4 else 0
    return int(net.network_address) + offset, int(net.broadcast_address) + offset, text


def _previous(ip: int) -> int:
    if ip in (0, _MAPPED_BASE):
        return ip
    return ip - 1


def _range_to_cidrs(first: int, last: int) -> list[str]:
    nets = ipaddress.summarize_address_range(ipaddress.IPv6Address(first), ipaddress.IPv6Address(last))
    return [_format_net(n) for n in nets]


def _cidr_merge(addrs: Any) -> set[str]:
    """Smallest set of CIDRs covering the given addresses and networks (OPA's algorithm)."""
    if isinstance(addrs, list | tuple):
        items = list(addrs)
    elif isinstance(addrs, set | frozenset):
        items = sorted(addrs, key=str)
    else:
        raise _Err("operand must be an array")
    ranges: list[tuple[int, int, str | None]] = [_merge_entry(item) for item in items]
    if not ranges:
        return set()
    ranges.sort(key=lambda r: (r[1], r[0]))
    i = len(ranges) - 1
    while i > 0:
        first, last, _ = ranges[i]
        prev_first, prev_last, _ = ranges[i - 1]
        if _previous(first) <= prev_last:
            ranges[i - 1] = (min(prev_first, first), last, None)
            del ranges[i]
        i -= 1
    result: set[str] = set()
    for first, last, text in ranges:
        if text is not None:
            result.add(text)
        else:
            result.update(_range_to_cidrs(first, last))
    return result


# --- net.cidr_contains_matches -------------------------------------------------------------------


def _match_term(element: Any, operand: int) -> Any:
    if isinstance(element, str):
        return element
    if isinstance(element, list | tuple) and element:
        return element[0]
    raise _Err(f"operand {operand}: element must be string or non-empty array")


def _hashable(value: Any) -> Any:
    """Rego values as Python set members (arrays → tuples); regorus turns tuples back into arrays."""
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _operand_items(value: Any, operand: int) -> Iterator[tuple[Any, Any]]:
    """(cidr, index) pairs, as OPA's ``evalNetCIDRContainsMatchesOperand`` yields them."""
    if isinstance(value, str):
        yield value, value
    elif isinstance(value, list | tuple):
        for i, element in enumerate(value):
            yield _match_term(element, operand), i
    elif isinstance(value, set | frozenset):
        for element in sorted(value, key=lambda v: json.dumps(v, sort_keys=True, default=list)):
            yield _match_term(element, operand), element
    elif isinstance(value, dict):
        for key in sorted(value, key=lambda k: json.dumps(k, sort_keys=True, default=list)):
            yield _match_term(value[key], operand), key
    # any other type: no elements, so an empty result (OPA's type checker rejects it earlier)


def _cidr_contains_matches(cidrs: Any, cidrs_or_ips: Any) -> set[tuple[Any, Any]]:
    """Pairs of indices (keys, set elements) where a CIDR of the first operand contains the second."""
    result: set[tuple[Any, Any]] = set()
    for cidr1, index1 in _operand_items(cidrs, 1):
        for cidr2, index2 in _operand_items(cidrs_or_ips, 2):
            if _contains(cidr1, cidr2):
                result.add((_hashable(index1), _hashable(index2)))
    return result


def _decode_tagged(text: str) -> Any:
    """Undo the Rego-side ``json.marshal({"t": type_name(x), "v": x})`` wrapper (see ``SHIM_MODULE``)."""
    doc = json.loads(text)
    value = doc.get("v")
    if doc.get("t") == "set":
        return frozenset(_hashable(v) for v in value)
    return value


def _cidr_contains_matches_json(a: str, b: str) -> set[tuple[Any, Any]]:
    return _cidr_contains_matches(_decode_tagged(a), _decode_tagged(b))


cidr_intersects = _guard("net.cidr_intersects", _cidr_intersects)
cidr_merge = _guard("net.cidr_merge", _cidr_merge)
cidr_contains_matches = _guard("net.cidr_contains_matches", _cidr_contains_matches)

# The regorus binding cannot hand a set of arrays/objects to Python (unhashable), so calls to
# net.cidr_contains_matches are renamed, column for column, to this shim, which passes its operands as
# tagged JSON. The name has exactly the length of the builtin's, so error columns stay right.
SHIM_PACKAGE = "_px"
SHIM_CALL = "data._px.contains_matches"
SHIM_FILE = "<palette-policy:net-shim>.rego"
SHIM_MODULE = """package _px

contains_matches(a, b) := palette_ext.cidr_contains_matches_json(
\tjson.marshal({"t": type_name(a), "v": a}),
\tjson.marshal({"t": type_name(b), "v": b}),
)
"""
assert len(SHIM_CALL) == len("net.cidr_contains_matches")

# name → (number of arguments, callable); registered on every embedded engine.
EXTENSIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "net.cidr_intersects": (2, cidr_intersects),
    "net.cidr_merge": (1, cidr_merge),
    "net.cidr_contains_matches": (2, cidr_contains_matches),
    "palette_ext.cidr_contains_matches_json": (2, _guard("net.cidr_contains_matches", _cidr_contains_matches_json)),
}

# Builtins a policy must not call: they reach the network or describe the host (opa.runtime returns
# the environment in OPA and rego-cpp). name → (number of arguments, why).
SANDBOXED: dict[str, tuple[int, str]] = {
    "http.send": (1, "policies cannot reach the network"),
    "net.lookup_ip_addr": (1, "policies cannot resolve names (no network)"),
    "opa.runtime": (0, "policies cannot read the host environment or configuration"),
}


# Builtins whose answer depends on when, where or how often the policy runs (OPA marks them
# nondeterministic); refused on every engine, so a report and its evidence can be reproduced.
NONDETERMINISTIC: dict[str, str] = {
    "time.now_ns": "it returns the current time",
    "rand.intn": "it returns a random number",
    "uuid.rfc4122": "it returns a new random UUID",
    "io.jwt.decode_verify": "it checks token expiry against the current time",
    "crypto.x509.parse_and_verify_certificates": "it checks validity against the current time",
    "crypto.x509.parse_and_verify_certificates_with_options": "it checks validity against the current time",
}


def sandbox_stub(name: str) -> Callable[..., Any]:
    """An extension that refuses to run, so a call slipping past the load-time check still fails."""
    reason = SANDBOXED[name][1]

    def refuse(*_args: Any) -> Any:
        raise BuiltinError(f"{name} is not available: {reason} (palette-policy runs policies sandboxed)")

    return refuse
