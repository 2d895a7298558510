"""Terraform's IP network functions (cidrhost, cidrnetmask, cidrsubnet, cidrsubnets), as documented."""

from __future__ import annotations

import ipaddress
import re

from validator.ingest.loaders.terraform.values import EvalError

_DOTTED = re.compile(r"(\d+)\.(\d+)\.(\d+)\.(\d+)(/\d+)?")


def _network(prefix: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    dotted = _DOTTED.fullmatch(prefix)
    if dotted:  # Terraform reads IPv4 octets with leading zeros as decimal (its documented "historical accident")
        prefix = ".".join(str(int(o)) for o in dotted.groups()[:4]) + (dotted.group(5) or "")
    try:
        return ipaddress.ip_network(prefix, strict=False)
    except ValueError as exc:
        raise EvalError(f"invalid CIDR {prefix!r}: {exc}") from None


def cidrsubnet(prefix: str, newbits: int, netnum: int) -> str:
    net = _network(prefix)
    length = net.prefixlen + newbits
    if newbits < 0 or length > net.max_prefixlen:
        raise EvalError(f"cidrsubnet(): {newbits} more bits do not fit in {prefix}")
    if not 0 <= netnum < 2**newbits:
        raise EvalError(f"cidrsubnet(): {netnum} does not fit in {newbits} bits")
    base = int(net.network_address) + (netnum << (net.max_prefixlen - length))
    return f"{ipaddress.ip_address(base) if net.version == 4 else ipaddress.IPv6Address(base)}/{length}"


def cidrhost(prefix: str, hostnum: int) -> str:
    net = _network(prefix)
    size = net.num_addresses
    if hostnum < 0:
        hostnum += size
    if not 0 <= hostnum < size:
        raise EvalError(f"cidrhost(): host {hostnum} is outside {prefix}")
    return str(net.network_address + hostnum)


def cidrnetmask(prefix: str) -> str:
    net = _network(prefix)
    if net.version != 4:
        raise EvalError("cidrnetmask() accepts only IPv4 prefixes")
    return str(net.netmask)


def cidrsubnets(prefix: str, newbits: list[int]) -> list[str]:
    """Consecutive subnets of the given sizes, each aligned after the previous one (Terraform's rule)."""
    net = _network(prefix)
    out: list[str] = []
    current = int(net.network_address)
    end = int(net.broadcast_address)
    for bits in newbits:
        length = net.prefixlen + bits
        if bits < 1 or length > net.max_prefixlen:
            raise EvalError(f"cidrsubnets(): {bits} more bits do not fit in {prefix}")
        size = 1 << (net.max_prefixlen - length)
        current = (current + size - 1) // size * size
        if current + size - 1 > end:
            raise EvalError(f"cidrsubnets(): not enough room in {prefix}")
        address = ipaddress.IPv4Address(current) if net.version == 4 else ipaddress.IPv6Address(current)
        out.append(f"{address}/{length}")
        current += size
    return out
