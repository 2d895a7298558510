"""Address and port sets: the algebra under every rule, flow and result.

Address and port sets are sorted tuples of inclusive integer intervals, so every set operation is linear in
the number of intervals and no single IP or port is ever enumerated. IPv4 and IPv6 live in one integer
space: IPv4 addresses are 0 … 2**32-1 and IPv6 addresses are shifted by 2**33, so the two families never
overlap or touch (AWS and Kubernetes match them separately).
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import re
from collections.abc import Iterable, Iterator
from typing import Self

V6_OFFSET = 1 << 33  # a gap after IPv4 so the two families never merge into one interval
V4_MAX = (1 << 32) - 1
V6_MAX = V6_OFFSET + (1 << 128) - 1

Interval = tuple[int, int]
_BEYOND = 1 << 200  # greater than every element: (lo, _BEYOND) sorts after every interval starting at lo


def _normalize(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or adjacent intervals."""
    items = sorted(intervals)
    out: list[Interval] = []
    for lo, hi in items:
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _rebuilt(cls: type[IntervalSet], intervals: tuple[Interval, ...]) -> IntervalSet:
    return cls(intervals, normalized=True)


class IntervalSet:
    """An immutable set of integers stored as sorted, disjoint, inclusive intervals."""

    __slots__ = ("intervals", "_hash")

    def __init__(self, intervals: Iterable[Interval] = (), *, normalized: bool = False) -> None:
        self.intervals: tuple[Interval, ...] = tuple(intervals) if normalized else _normalize(intervals)
        self._hash: int | None = None

    # -- construction helpers -------------------------------------------------
    def _new(self, intervals: Iterable[Interval], normalized: bool = True) -> Self:
        obj = object.__new__(self.__class__)  # perf: the slots set here, no __init__ call
        obj.intervals = tuple(intervals) if normalized else _normalize(intervals)
        obj._hash = None
        return obj

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as its intervals, already normalized (no per-slot state to restore)."""
        return _rebuilt, (self.__class__, self.intervals)

    # -- algebra --------------------------------------------------------------
    def union(self, other: IntervalSet) -> Self:
        if not other.intervals:
            return self
        if not self.intervals:
            return self._new(other.intervals)
        return self._new(self.intervals + other.intervals, normalized=False)

    __or__ = union

    def intersection(self, other: IntervalSet) -> Self:
        a, b = self.intervals, other.intervals
        i = j = 0
        out: list[Interval] = []
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return self._new(out)

    __and__ = intersection

    def difference(self, other: IntervalSet) -> Self:
        if not self.intervals or not other.intervals:
            return self
        out: list[Interval] = []
        b = other.intervals
        j = 0
        for lo, hi in self.intervals:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return self._new(out)

    __sub__ = difference

    def covers(self, other: IntervalSet) -> bool:
        """True when every element of ``other`` is in this set."""
        if len(other.intervals) == 1:  # perf: one bisection instead of a difference
            lo, hi = other.intervals[0]
            i = bisect.bisect_right(self.intervals, (lo, _BEYOND)) - 1
            return i >= 0 and self.intervals[i][1] >= hi
        return not other.difference(self).intervals

    def overlaps(self, other: IntervalSet) -> bool:
        return bool(self.intersection(other).intervals)

    def is_empty(self) -> bool:
        return not self.intervals

    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.intervals)

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def __contains__(self, value: int) -> bool:
        return any(lo <= value <= hi for lo, hi in self.intervals)

    def __iter__(self) -> Iterator[Interval]:
        return iter(self.intervals)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self.intervals == other.intervals

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self.intervals)
        return self._hash

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self})"


def _ip_to_int(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    return int(ip) if ip.version == 4 else int(ip) + V6_OFFSET


def _int_to_ip(value: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if value <= V4_MAX:
        return ipaddress.IPv4Address(value)
    return ipaddress.IPv6Address(value - V6_OFFSET)


_PARSED: dict[tuple[object, bool, tuple[str, ...]], IntervalSet] = {}
_PARSED_MAX = 100_000


class AddressSet(IntervalSet):
    """IPv4 and IPv6 addresses as integer intervals (IPv6 shifted by 2**33)."""

    __slots__ = ()

    @classmethod
    def parse(cls, *cidrs: str, strict: bool = False) -> AddressSet:
        """Parse CIDRs, single addresses or ``a-b`` ranges; raises ValueError on bad text.

        ``strict`` rejects host bits set (``10.0.0.1/8``), as AWS does for rule CIDRs.
        """
        # Interned (perf): repos repeat the same few CIDRs thousands of times; sets are
        # immutable, so every rule naming "10.0.0.0/8" shares one object and one parse.
        key = (cls, strict, cidrs)
        cached = _PARSED.get(key)
        if cached is None:
            intervals: list[Interval] = []
            for text in cidrs:
                intervals.append(parse_range(text, strict=strict))
            cached = cls(intervals)
            if len(_PARSED) < _PARSED_MAX:
                _PARSED[key] = cached
        return cached  # type: ignore[return-value]

    @classmethod
    def everything(cls) -> AddressSet:
        return cls([(0, V4_MAX), (V6_OFFSET, V6_MAX)], normalized=True)

    @classmethod
    def all_ipv4(cls) -> AddressSet:
        return cls([(0, V4_MAX)], normalized=True)

    @classmethod
    def all_ipv6(cls) -> AddressSet:
        return cls([(V6_OFFSET, V6_MAX)], normalized=True)

    def ranges(self) -> list[str]:
        """Human-readable ranges: CIDR when a range is one block, else ``first-last``."""
        return [format_range(lo, hi) for lo, hi in self.intervals]

    def cidrs(self) -> list[str]:
        """The minimal list of CIDR blocks covering exactly this set."""
        out: list[str] = []
        for lo, hi in self.intervals:
            out.extend(_cidr_texts(lo, hi))
        return out

    def __str__(self) -> str:
        return ",".join(self.ranges()) if self.intervals else "(none)"


def parse_range(text: str, *, strict: bool = False) -> Interval:
    """One CIDR, address or ``first-last`` range to an interval; ValueError with a clear reason.

    Parsed once per distinct text and run (perf: a repository repeats its CIDRs across thousands of rules);
    plain IPv4 CIDRs take an integer path, everything else goes through ``ipaddress``."""
    key = (text, strict)
    found = _RANGES.get(key)
    if found is None:
        try:
            found = _parse_v4(text.strip(), strict) or _parse_any(text, strict)
        except ValueError as exc:
            found = str(exc)
        if len(_RANGES) < _RANGES_MAX:
            _RANGES[key] = found
    if isinstance(found, str):
        raise ValueError(found)
    return found


_RANGES: dict[tuple[str, bool], Interval | str] = {}  # text → interval, or the error it raises
_RANGES_MAX = 1 << 20
_OCTET = r"(0|[1-9][0-9]{0,2})"
_V4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}(?:/(0|[1-9][0-9]?))?")


def _parse_v4(text: str, strict: bool) -> Interval | None:
    """A dotted-quad IPv4 address or CIDR in integers; None for anything else (or an error to word)."""
    m = _V4.fullmatch(text)
    if m is None:
        return None
    a, b, c, d, length = m.groups()
    octets = (int(a), int(b), int(c), int(d))
    bits = 32 if length is None else int(length)
    if bits > 32 or max(octets) > 255:
        return None
    address = (octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]
    host = (1 << (32 - bits)) - 1
    if address & host:
        if strict:
            return None  # worded by ``ipaddress`` below
        address &= ~host
    return address, address | host


def _parse_any(text: str, strict: bool) -> Interval:
    text = text.strip()
    if not text:
        raise ValueError("empty address")
    if "-" in text and "/" not in text:
        first_s, last_s = (p.strip() for p in text.split("-", 1))
        first, last = ipaddress.ip_address(first_s), ipaddress.ip_address(last_s)
        if first.version != last.version:
            raise ValueError(f"range {text!r} mixes IPv4 and IPv6")
        lo, hi = _ip_to_int(first), _ip_to_int(last)
        if lo > hi:
            raise ValueError(f"range {text!r} is reversed")
        return lo, hi
    try:
        net = ipaddress.ip_network(text, strict=strict)
    except ValueError as exc:
        if strict and "host bits set" in str(exc):
            raise ValueError(
                f"{text!r} has host bits set (did you mean {ipaddress.ip_network(text, strict=False)}?)"
            ) from None
        raise ValueError(f"{text!r} is not a valid IP address or CIDR") from None
    return _ip_to_int(net.network_address), _ip_to_int(net.broadcast_address)


def _summarize(lo: int, hi: int) -> list[ipaddress.IPv4Network] | list[ipaddress.IPv6Network]:
    if hi <= V4_MAX:
        return list(ipaddress.summarize_address_range(ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi)))
    return list(
        ipaddress.summarize_address_range(ipaddress.IPv6Address(lo - V6_OFFSET), ipaddress.IPv6Address(hi - V6_OFFSET))
    )


@functools.lru_cache(maxsize=65536)
def _cidr_texts(lo: int, hi: int) -> tuple[str, ...]:
    """Memoized (perf): reports and the policy input print the same few intervals over and over."""
    return tuple(str(n) for n in _summarize(lo, hi))


@functools.lru_cache(maxsize=65536)
def format_range(lo: int, hi: int) -> str:
    nets = _summarize(lo, hi)
    if len(nets) == 1:
        net = nets[0]
        return str(net.network_address) if net.num_addresses == 1 else str(net)
    return f"{_int_to_ip(lo)}-{_int_to_ip(hi)}"


class PortSet(IntervalSet):
    """Destination ports (0–65535) as inclusive intervals."""

    __slots__ = ()

    @classmethod
    def all(cls) -> PortSet:
        return cls([(0, 65535)], normalized=True)

    @classmethod
    def range(cls, first: int, last: int | None = None) -> PortSet:
        # Interned (perf): rules repeat a few ports; sets are immutable, so one object per range.
        key = (cls, first, last)
        cached = _PORT_RANGES.get(key)
        if cached is None:
            cached = cls([(first, first if last is None else last)])
            if len(_PORT_RANGES) < 65536:
                _PORT_RANGES[key] = cached
        return cached  # type: ignore[return-value]

    def is_all(self) -> bool:
        return self.intervals == ((0, 65535),)

    def __str__(self) -> str:
        text = _PORT_TEXTS.get(self.intervals)  # memoized (perf): printed for every rule and result
        if text is None:
            if self.is_all():
                text = "all"
            elif not self.intervals:
                text = "(none)"
            else:
                text = ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.intervals)
            if len(_PORT_TEXTS) < 65536:
                _PORT_TEXTS[self.intervals] = text
        return text


_PORT_RANGES: dict[tuple[object, int, int | None], IntervalSet] = {}
_PORT_TEXTS: dict[tuple[Interval, ...], str] = {}


ALL_PORTS = PortSet.all()
NO_ADDRESSES = AddressSet()


def as_addresses(value: IntervalSet) -> AddressSet:
    """Typed view: interval algebra on AddressSets returns AddressSets at run time."""
    return value if isinstance(value, AddressSet) else AddressSet(value.intervals, normalized=True)


def as_ports(value: IntervalSet) -> PortSet:
    return value if isinstance(value, PortSet) else PortSet(value.intervals, normalized=True)
