"""Allowed connections between workloads and address ranges: port sets per protocol, and the connlist's rows.

``Conn`` is what NetworkPolicies allow from one peer to another (one port set per TCP, UDP and SCTP);
``Connection`` is one row of the connlist (``palette-policy connectivity``), named as netpol-analyzer
names its peers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from validator.model.kubernetes import PROTOCOLS
from validator.model.sets import IntervalSet, PortSet

K8S_PORTS = PortSet([(1, 65535)], normalized=True)


def _ps(value: IntervalSet) -> PortSet:
    """Set algebra keeps the subclass at run time; this tells the type checker."""
    return cast(PortSet, value)


_EMPTY = PortSet()


class Conn:
    """Allowed connections: one port set per protocol (TCP, UDP, SCTP), immutable and hashable."""

    __slots__ = ("sets", "_hash", "_text")

    def __init__(self, sets: tuple[PortSet, PortSet, PortSet]) -> None:
        self.sets = sets
        self._hash = hash(sets)
        self._text: str | None = None

    @classmethod
    def of(cls, protocol: str, ports: PortSet) -> Conn:
        i = PROTOCOLS.index(protocol)
        return cls(tuple(ports if j == i else _EMPTY for j in range(3)))  # type: ignore[arg-type]

    def union(self, other: Conn) -> Conn:
        if other is self or other.is_empty():
            return self
        if self.is_empty():
            return other
        a, b = self.sets, other.sets
        return Conn((_ps(a[0] | b[0]), _ps(a[1] | b[1]), _ps(a[2] | b[2])))

    __or__ = union

    def intersection(self, other: Conn) -> Conn:
        if other is self or other is ALL_CONN:
            return self
        if self is ALL_CONN:
            return other
        a, b = self.sets, other.sets
        return Conn((_ps(a[0] & b[0]), _ps(a[1] & b[1]), _ps(a[2] & b[2])))

    __and__ = intersection

    def ports(self, protocol: str) -> PortSet:
        return self.sets[PROTOCOLS.index(protocol)]

    def is_empty(self) -> bool:
        return not (self.sets[0] or self.sets[1] or self.sets[2])

    def is_all(self) -> bool:
        return all(s == K8S_PORTS for s in self.sets)

    def __bool__(self) -> bool:
        return not self.is_empty()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Conn) and self.sets == other.sets

    def __hash__(self) -> int:
        return self._hash

    def items(self) -> list[tuple[str, PortSet]]:
        return [(p, s) for p, s in zip(PROTOCOLS, self.sets, strict=True) if s]

    def __str__(self) -> str:
        """netpol-analyzer's spelling: ``All Connections`` or ``TCP 80,443,UDP 53`` (computed once)."""
        if self._text is None:
            if self.is_all():
                self._text = "All Connections"
            elif self.is_empty():
                self._text = "No Connections"
            else:
                self._text = ",".join(f"{p} {s}" for p, s in self.items())
        return self._text

    def __repr__(self) -> str:
        return f"Conn({self})"


ALL_CONN = Conn((K8S_PORTS, K8S_PORTS, K8S_PORTS))
NO_CONN = Conn((_EMPTY, _EMPTY, _EMPTY))


@dataclass(frozen=True)
class Connection:
    src: str
    dst: str
    conn: Conn
    src_external: bool = False
    dst_external: bool = False

    def to_json(self) -> dict[str, object]:
        return {"src": self.src, "dst": self.dst, "conn": str(self.conn)}
