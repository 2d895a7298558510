"""Compare connlists from different tools per IP interval and per port range.

netpol-analyzer, network-config-analyzer and palette-policy split external ranges and port lists differently;
two outputs agree when, for every pair of workloads and for every single address of every external range,
the allowed (protocol, port) sets are equal. That is checked on elementary intervals (the common refinement
of both outputs' boundaries), never per single address or port.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from validator.model.connections import ALL_CONN, NO_CONN, Conn
from validator.model.kubernetes import PROTOCOLS, Cluster, LabelSelector, SelectorRequirement, Workload
from validator.model.sets import PortSet

WPeer = tuple[str, str]  # ("w", "ns/name[Kind]")
Facts = tuple[dict[tuple[str, str], Conn], dict[tuple[str, str], list[tuple[int, int, Conn]]]]


def _ip(text: str) -> int:
    addr = ipaddress.ip_address(text)
    return int(addr) if addr.version == 4 else int(addr) + (1 << 32)


def parse_ip_peer(text: str) -> list[tuple[int, int]] | None:
    """``a-b[External]``, ``a-b``, CIDR list ``x/n,y/m`` → intervals; None when it is a workload."""
    text = text.strip().removesuffix("[External]")
    out = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "/" in part:
                net = ipaddress.ip_network(part, strict=False)
                out.append((_ip(str(net.network_address)), _ip(str(net.broadcast_address))))
            elif "-" in part:
                a, b = part.split("-", 1)
                out.append((_ip(a), _ip(b)))
            else:
                v = _ip(part)
                out.append((v, v))
        except ValueError:
            return None
    return out


def _ports(items: Iterable[str]) -> PortSet:
    ivs = []
    for it in items:
        it = it.strip()
        if not it:
            continue
        if "-" in it:
            a, b = it.split("-", 1)
            ivs.append((int(a), int(b)))
        else:
            ivs.append((int(it), int(it)))
    return PortSet(ivs)


def parse_conn(text: str) -> Conn:
    text = text.strip()
    if text.lower() == "all connections":
        return ALL_CONN
    if text.lower() == "no connections" or not text:
        return NO_CONN
    acc = NO_CONN
    if text.startswith("{"):  # NCA: {protocols:TCP,dst_ports:80-88};{...}
        for body in re.findall(r"\{([^}]*)\}", text):
            m = re.match(r"protocols:([A-Z, ]+?)(?:,dst_ports:(.*))?$", body)
            assert m, f"cannot parse NCA connection {body!r}"
            protos = [p.strip() for p in m.group(1).split(",") if p.strip()]
            ports = _ports(m.group(2).split(",")) if m.group(2) else PortSet([(1, 65535)])
            for p in protos:
                acc = acc | Conn.of(p, ports)
        return acc
    proto = None
    pending: dict[str, list[str]] = {}
    for tok in text.split(","):
        tok = tok.strip()
        head = tok.split(" ", 1)
        if head[0] in PROTOCOLS:
            proto = head[0]
            pending.setdefault(proto, [])
            if len(head) > 1:
                pending[proto].append(head[1])
            else:
                pending[proto].append("1-65535")
        else:
            assert proto is not None, f"cannot parse connection {text!r}"
            pending[proto].append(tok)
    for p, items in pending.items():
        acc = acc | Conn.of(p, _ports(items))
    return acc


def empty_facts() -> Facts:
    return {}, {}


def add_fact(facts: Facts, src: str, dst: str, conn: Conn) -> None:
    """Record one line: src/dst are workload names or address texts."""
    pairs, ext = facts
    sip, dip = parse_ip_peer(src), parse_ip_peer(dst)
    if sip is None and dip is None:
        if src == dst:
            return
        key = (src, dst)
        pairs[key] = pairs[key] | conn if key in pairs else conn
    elif sip is not None and dip is None:
        ext.setdefault(("in", dst), []).extend((lo, hi, conn) for lo, hi in sip)
    elif dip is not None and sip is None:
        ext.setdefault(("out", src), []).extend((lo, hi, conn) for lo, hi in dip)


def parse_connlist(text: str) -> Facts:
    facts = empty_facts()
    for line in text.splitlines():
        line = line.strip()
        if not line or "=>" not in line:
            continue
        left, conn = line.rsplit(" : ", 1)
        src, dst = (s.strip() for s in left.split(" => ", 1))
        add_fact(facts, src, dst, parse_conn(conn))
    return facts


def _refine(entries: list[tuple[int, int, Conn]], cuts: list[int]) -> dict[int, Conn]:
    out: dict[int, Conn] = {}
    for lo, hi, conn in entries:
        for c in cuts:
            if lo <= c <= hi:
                out[c] = out[c] | conn if c in out else conn
    return out


def compare(ours: Facts, theirs: Facts, *, drop_empty: bool = True) -> list[str]:
    """Human-readable differences (empty list: the two outputs agree exactly)."""
    diffs: list[str] = []
    (pa, ea), (pb, eb) = ours, theirs
    for key in sorted(set(pa) | set(pb)):
        a, b = pa.get(key, NO_CONN), pb.get(key, NO_CONN)
        if a != b:
            diffs.append(f"{key[0]} => {key[1]}: ours {a} / expected {b}")
    for key in sorted(set(ea) | set(eb)):
        ents_a, ents_b = ea.get(key, []), eb.get(key, [])
        bounds = sorted({lo for lo, _, _ in ents_a + ents_b} | {hi + 1 for _, hi, _ in ents_a + ents_b})
        ra, rb = _refine(ents_a, bounds), _refine(ents_b, bounds)
        for c in sorted(set(ra) | set(rb)):
            a, b = ra.get(c, NO_CONN), rb.get(c, NO_CONN)
            if a != b:
                nxt = [x for x in bounds if x > c]
                hi = (nxt[0] - 1) if nxt else c
                where = f"{_fmt(c)}-{_fmt(hi)}"
                side = f"{where} => {key[1]}" if key[0] == "in" else f"{key[1]} => {where}"
                diffs.append(f"{side}: ours {a} / expected {b}")
    return diffs


def _fmt(v: int) -> str:
    return str(ipaddress.ip_address(v if v < (1 << 32) else v - (1 << 32)))


# ---------------------------------------------------------------------------------------------------------
# network-config-analyzer "fw rules" (txt) → facts, evaluated on the loaded pods
def _split_top(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return [o.strip() for o in out if o.strip()]


def _term_matches(term: str, w: Workload) -> bool:
    term = term.strip()
    if term == "*":
        return True
    m = re.fullmatch(r"!has\((.+)\)", term)
    if m:
        return LabelSelector((), (SelectorRequirement(m.group(1), "DoesNotExist", frozenset()),)).matches(w.labels)
    m = re.fullmatch(r"has\((.+)\)", term)
    if m:
        return m.group(1) in w.labels
    m = re.fullmatch(r"(\S+) (not in|in) \((.*)\)", term)
    if m:
        vals = {v.strip() for v in m.group(3).split(",")}
        inside = w.labels.get(m.group(1)) in vals
        return inside if m.group(2) == "in" else not inside
    m = re.fullmatch(r"([^!=]+)!=(.*)", term)
    if m:
        return w.labels.get(m.group(1)) != m.group(2)
    m = re.fullmatch(r"([^=]+)=(.*)", term)
    if m:
        return w.labels.get(m.group(1)) == m.group(2)
    pod_name = w.source.resource.split("/")[-1]
    return term in (w.name, pod_name)


def _pods(cluster: Cluster, nss: str, pods: str) -> list[Workload]:
    ns_list = _split_top(nss.strip()[1:-1])
    items = _split_top(pods.strip()[1:-1])
    out = []
    for w in cluster.workloads:
        if w.namespace not in ns_list:
            continue
        for item in items:
            if " or " in item:
                ok = any(_term_matches(t, w) for t in item.split(" or "))
            else:
                ok = all(_term_matches(t, w) for t in item.split(" and "))
            if ok:
                out.append(w)
                break
    return out


_FW = re.compile(
    r"^(?:src_ns: (?P<sns>\[.*?\]) src_pods: (?P<spods>\[.*?\])|src: (?P<sip>\S+)) "
    r"(?:dst_ns: (?P<dns>\[.*?\]) dst_pods: (?P<dpods>\[.*?\])|dst: (?P<dip>\S+)) "
    r"conn: (?P<conn>.*)$"
)


def parse_fw_rules(text: str, cluster: Cluster) -> Facts:
    facts = empty_facts()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("final fw rules"):
            continue
        m = _FW.match(line)
        assert m, f"cannot parse NCA fw rule {line!r}"
        conn = parse_conn(m.group("conn"))
        srcs = (
            [m.group("sip")]
            if m.group("sip")
            else [w.display for w in _pods(cluster, m.group("sns"), m.group("spods"))]
        )
        dsts = (
            [m.group("dip")]
            if m.group("dip")
            else [w.display for w in _pods(cluster, m.group("dns"), m.group("dpods"))]
        )
        for s in srcs:
            for d in dsts:
                add_fact(facts, s, d, conn)
    return facts


def facts_of(conns: Iterable[object]) -> Facts:
    facts = empty_facts()
    for c in conns:
        add_fact(facts, c.src, c.dst, c.conn)  # type: ignore[attr-defined]
    return facts
