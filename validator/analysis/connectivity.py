"""Every allowed connection between workloads and external address ranges (the connlist).

Workloads are shown by owner (``ns/name[Kind]``); external peers are the atoms of the address space cut at
ipBlock boundaries (``a.b.c.d-e.f.g.h[External]``). Self-connections of a workload are not listed (K12),
nor external-to-external pairs. Output order is sorted, so runs are diffable.
"""

from __future__ import annotations

import ipaddress

from validator.analysis.netpol import NetpolModel
from validator.analysis.netpol_pairs import group_pairs
from validator.model.connections import Conn, Connection
from validator.model.sets import V4_MAX, V6_OFFSET, AddressSet


def _ip(value: int) -> str:
    if value <= V4_MAX:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value - V6_OFFSET))


def external_name(addresses: AddressSet) -> str:
    """netpol-analyzer's ``first-last[External]`` spelling of one atom."""
    lo, hi = addresses.intervals[0]
    return f"{_ip(lo)}-{_ip(hi)}[External]"


def connectivity(model: NetpolModel) -> list[Connection]:
    """All allowed connections, sorted by (source, destination) name."""
    names: list[list[str]] = []
    for g in model.groups:
        names.append(sorted({w.display for w in g.workloads}))
    for atom in model.atoms:
        names.append([external_name(atom)])
    base = model.atom_base
    external = [n >= base for n in range(len(names))]
    every = [n for ns in names for n in ns]
    unique = len(every) == len(set(every))  # then every (src, dst) name pair comes up once
    found: dict[tuple[str, str], Conn] = {}
    out: list[Connection] = []
    for ssub, dsub, conn in group_pairs(model):
        for s in ssub:
            snames = names[s]
            s_ext = external[s]
            for d in dsub:
                d_ext = external[d]
                if s_ext and d_ext:
                    continue
                for sn in snames:
                    for dn in names[d]:
                        if sn == dn:
                            continue
                        if unique:
                            out.append(Connection(sn, dn, conn, s_ext, d_ext))
                            continue
                        key = (sn, dn)
                        prev = found.get(key)
                        found[key] = conn if prev is None else prev | conn
    out.extend(Connection(s, d, c, s.endswith("[External]"), d.endswith("[External]")) for (s, d), c in found.items())
    out.sort(key=lambda c: (c.src, c.dst))
    return out
