"""Sets of flows as unions of boxes: source addresses × destination addresses × destination ports.

Every layer (security group, ACL, firewall, proxy, NetworkPolicy) is evaluated on a requested box and
answers with the part it allows and the part it blocks. Boxes are products of interval sets, so a rule is
one box and subtracting a rule from a request yields at most three boxes:
A − B = (A.s−B.s)×A.d×A.p ∪ (A.s∩B.s)×(A.d−B.d)×A.p ∪ (A.s∩B.s)×(A.d∩B.d)×(A.p−B.p).
No address or port is ever enumerated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from validator.model.sets import ALL_PORTS, AddressSet, PortSet


@dataclass(frozen=True)
class Box:
    """Source addresses × destination addresses × destination ports (for one protocol)."""

    src: AddressSet
    dst: AddressSet
    ports: PortSet = ALL_PORTS

    def is_empty(self) -> bool:
        return not (self.src and self.dst and self.ports)

    def intersect(self, other: Box) -> Box:
        return Box(self.src & other.src, self.dst & other.dst, self.ports & other.ports)

    def subtract(self, other: Box) -> list[Box]:
        """This box minus another, as disjoint boxes."""
        if self.is_empty():
            return []
        common_src = self.src & other.src
        if not common_src:
            return [self]
        common_dst = self.dst & other.dst
        if not common_dst:
            return [self]
        common_ports = self.ports & other.ports
        if not common_ports:
            return [self]
        out = []
        rest_src = self.src - other.src
        if rest_src:
            out.append(Box(rest_src, self.dst, self.ports))
        rest_dst = self.dst - other.dst
        if rest_dst:
            out.append(Box(common_src, rest_dst, self.ports))
        rest_ports = self.ports - other.ports
        if rest_ports:
            out.append(Box(common_src, common_dst, rest_ports))
        return out

    def describe(self) -> str:
        return f"{self.src} → {self.dst} ports {self.ports}"

    def to_json(self) -> dict[str, object]:
        return {"src": self.src.ranges(), "dst": self.dst.ranges(), "ports": str(self.ports)}


def minus(box: Box, pieces: Iterable[Box]) -> list[Box]:
    """What of ``box`` no piece covers, as disjoint boxes."""
    rest = [box]
    for piece in pieces:
        rest = [x for r in rest for x in r.subtract(piece)]
        if not rest:
            break
    return rest


def covers(pieces: Iterable[Box], box: Box) -> bool:
    """True when the pieces together cover all of ``box``."""
    return not minus(box, pieces)


def project(boxes: Iterable[Box]) -> tuple[AddressSet, AddressSet, PortSet]:
    """The sources, destinations and ports that some box touches (for reporting what is not covered)."""
    src, dst, ports = AddressSet(), AddressSet(), PortSet()
    for box in boxes:
        src = src | box.src
        dst = dst | box.dst
        ports = ports | box.ports
    return src, dst, ports
