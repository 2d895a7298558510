"""NetworkPolicy semantics (K1–K13 of the reference checklist) on pod groups and external address atoms.

Why this shape: a cluster has many workloads but few distinct label sets and few distinct combinations of
selecting policies. Pods with identical namespace, labels and named ports form one *group*; the external
address space is cut into *atoms* at every ipBlock boundary (an ipBlock matches only addresses outside the
cluster's pods, as netpol-analyzer and network-config-analyzer do). Groups and atoms are the *nodes*. Every
peer of every rule is resolved once to a frozenset of nodes; groups selected by the same policies share one
egress class and one ingress class, so all pairs are evaluated per (class, class) with interval arithmetic
on port sets, never per single port or address.

``NetpolModel.check_flow`` is the API for path checks: one (source, destination, protocol, ports) question,
answered per side (source egress, destination ingress) with the rules (file:line) that allowed it or the
policies that isolate the side when nothing matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

from validator.ingest.loaders.kubernetes import (
    PROTOCOLS,
    Cluster,
    LabelSelector,
    NamedPort,
    NetworkPolicy,
    PolicyPeer,
    PolicyPort,
    PolicyRule,
    Workload,
)
from validator.model.sets import V4_MAX, AddressSet, IntervalSet, PortSet, SourceRef

K8S_PORTS = PortSet([(1, 65535)], normalized=True)


def _ps(value: IntervalSet) -> PortSet:
    """Set algebra keeps the subclass at run time; this tells the type checker."""
    return cast(PortSet, value)


def _as(value: IntervalSet) -> AddressSet:
    return cast(AddressSet, value)

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


# ---------------------------------------------------------------------------------------------------------
@dataclass
class PodGroup:
    """Pods that no policy can tell apart: same namespace, labels and named ports."""

    index: int
    namespace: str
    labels: Mapping[str, str]
    named_ports: tuple[NamedPort, ...]
    workloads: list[Workload] = field(default_factory=list)

    def named_port(self, name: str, protocol: str) -> int | None:
        for p in self.named_ports:
            if p.name == name and p.protocol == protocol:
                return p.port
        return None


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its peers resolved to node ids (groups and external atoms)."""

    policy: NetworkPolicy
    rule: PolicyRule
    direction: str
    peers: frozenset[int]
    static_conn: Conn | None  # None when a named port makes it depend on the destination group
    ports: tuple[PolicyPort, ...]

    def conn_to(self, dst: PodGroup | None) -> Conn:
        """The connections this rule allows towards ``dst`` (None: an external address)."""
        if self.static_conn is not None:
            return self.static_conn
        return ports_conn(self.ports, dst)


def ports_conn(ports: tuple[PolicyPort, ...], dst: PodGroup | None) -> Conn:
    """K6/K10/K11: empty ports → everything; named ports resolved on the destination's containers."""
    if not ports:
        return ALL_CONN
    acc: list[list[tuple[int, int]]] = [[], [], []]
    for p in ports:
        i = PROTOCOLS.index(p.protocol)
        if p.name is not None:
            number = dst.named_port(p.name, p.protocol) if dst is not None else None
            if number is not None:
                acc[i].append((number, number))
        elif p.ports is None:
            acc[i].append((1, 65535))
        else:
            acc[i].extend(p.ports.intervals)
    return Conn((PortSet(acc[0]), PortSet(acc[1]), PortSet(acc[2])))


@dataclass(frozen=True)
class RuleEvidence:
    """One rule that allowed (part of) a flow, with the ports it allowed."""

    policy: str
    policy_source: SourceRef
    rule_source: SourceRef
    ports: PortSet

    def to_json(self) -> dict[str, object]:
        return {"policy": self.policy, "policy_source": self.policy_source.to_json(),
                "rule_source": self.rule_source.to_json(), "ports": str(self.ports)}


@dataclass(frozen=True)
class SideDecision:
    """The verdict of one side: source egress or destination ingress.

    ``isolated_by`` empty: no policy selects the pods for this direction (K1), everything is allowed. Else the
    allowed ports are the union of the matching ``rules``; empty rules with ports requested mean blocked:
    isolated by those policies and no rule matches.
    """

    direction: str
    subject: str
    allowed: PortSet
    isolated_by: tuple[tuple[str, SourceRef], ...]
    rules: tuple[RuleEvidence, ...]
    external: bool = False

    def explain(self) -> str:
        if self.external:
            return f"{self.direction}: {self.subject} is outside the cluster; NetworkPolicies do not apply"
        if not self.isolated_by:
            return (f"{self.direction}: {self.subject} is not selected by any policy for {self.direction} "
                    "(allowed)")
        if not self.rules:
            names = ", ".join(f"{n} ({s.location()})" for n, s in self.isolated_by)
            return f"{self.direction}: {self.subject} is isolated by policies {names} and no rule matches"
        allowed = "; ".join(f"{r.policy} rule at {r.rule_source.location()} allows {r.ports}"
                            for r in self.rules)
        return f"{self.direction}: {allowed}"

    def to_json(self) -> dict[str, object]:
        return {"direction": self.direction, "subject": self.subject, "allowed": str(self.allowed),
                "external": self.external,
                "isolated_by": [{"policy": n, "source": s.to_json()} for n, s in self.isolated_by],
                "rules": [r.to_json() for r in self.rules], "explanation": self.explain()}


@dataclass(frozen=True)
class FlowPiece:
    """The decision for one (source part, destination part): address endpoints split at ipBlock atoms."""

    src: str
    dst: str
    src_addresses: AddressSet | None
    dst_addresses: AddressSet | None
    egress: SideDecision
    ingress: SideDecision
    allowed: PortSet

    def to_json(self) -> dict[str, object]:
        return {"src": self.src, "dst": self.dst, "allowed": str(self.allowed),
                "egress": self.egress.to_json(), "ingress": self.ingress.to_json()}


@dataclass(frozen=True)
class FlowDecision:
    """Answer to ``check_flow``: ``verdict`` allowed (every piece and port), blocked (nothing) or partial."""

    protocol: str
    ports: PortSet
    pieces: tuple[FlowPiece, ...]

    @property
    def verdict(self) -> str:
        if self.pieces and all(p.allowed.covers(self.ports) for p in self.pieces):
            return "allowed"
        if all(not p.allowed for p in self.pieces):
            return "blocked"
        return "partial"

    @property
    def allowed_everywhere(self) -> PortSet:
        """Ports allowed for every piece (what a required path can rely on)."""
        out = self.ports
        for p in self.pieces:
            out = _ps(out & p.allowed)
        return out

    def to_json(self) -> dict[str, object]:
        return {"protocol": self.protocol, "ports": str(self.ports), "verdict": self.verdict,
                "allowed_everywhere": str(self.allowed_everywhere),
                "pieces": [p.to_json() for p in self.pieces]}


Endpoint = Workload | AddressSet
_OUTSIDE = -1  # node id of external addresses outside the modelled universe (see check_flow)
ClassKey = tuple[object, ...]
PeerClass = tuple[int, int]  # (representative node, rule membership mask)


# ---------------------------------------------------------------------------------------------------------
class NetpolModel:
    """The compiled cluster: groups, external atoms, resolved rules and per-direction classes."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._build_groups()
        self._build_atoms()
        self._selector_cache: dict[tuple[object, ...], frozenset[int]] = {}
        self.ingress_rules: list[CompiledRule] = []
        self.egress_rules: list[CompiledRule] = []
        # per group: indices of policies isolating it per direction (K1, K2)
        self.ingress_policies: list[list[int]] = [[] for _ in self.groups]
        self.egress_policies: list[list[int]] = [[] for _ in self.groups]
        self.policy_ingress_rules: list[list[CompiledRule]] = []
        self.policy_egress_rules: list[list[CompiledRule]] = []
        for pi, pol in enumerate(cluster.policies):
            selected = self._select(pol.namespace, pol.pod_selector)
            for g in selected:
                if pol.ingress_isolates:
                    self.ingress_policies[g].append(pi)
                if pol.egress_isolates:
                    self.egress_policies[g].append(pi)
            self.policy_ingress_rules.append(
                [self._compile(pol, r, "ingress") for r in pol.ingress] if pol.ingress_isolates else [])
            self.policy_egress_rules.append(
                [self._compile(pol, r, "egress") for r in pol.egress] if pol.egress_isolates else [])

    # -- nodes ------------------------------------------------------------------------------------------
    def _build_groups(self) -> None:
        by_key: dict[tuple[object, ...], PodGroup] = {}
        self.groups: list[PodGroup] = []
        self.group_of: dict[int, int] = {}  # id(workload) → group index
        for w in self.cluster.workloads:
            key = (w.namespace, tuple(sorted(w.labels.items())), w.ports)
            g = by_key.get(key)
            if g is None:
                g = PodGroup(len(self.groups), w.namespace, w.labels, w.ports)
                by_key[key] = g
                self.groups.append(g)
            g.workloads.append(w)
            self.group_of[id(w)] = g.index
        self.groups_by_ns: dict[str, set[int]] = {}
        self.label_index: dict[tuple[str, str], set[int]] = {}
        for g in self.groups:
            self.groups_by_ns.setdefault(g.namespace, set()).add(g.index)
            for kv in g.labels.items():
                self.label_index.setdefault(kv, set()).add(g.index)

    def _build_atoms(self) -> None:
        """Cut the external address universe at every ipBlock boundary."""
        blocks = [peer.ip_block for peer in self._all_peers() if peer.ip_block is not None]
        universe = AddressSet.all_ipv4()
        if any(iv[1] > V4_MAX for b in blocks for iv in b.intervals):
            universe = AddressSet.everything()  # IPv6 appears only when some policy mentions it
        cuts: set[int] = set()
        for b in blocks:
            for lo, hi in b.intervals:
                cuts.add(lo)
                cuts.add(hi + 1)
        self.atoms: list[AddressSet] = []
        for lo, hi in universe.intervals:
            points = sorted(c for c in cuts if lo < c <= hi)
            start = lo
            for c in points:
                self.atoms.append(AddressSet([(start, c - 1)], normalized=True))
                start = c
            self.atoms.append(AddressSet([(start, hi)], normalized=True))
        self.atom_base = len(self.groups)
        self.atom_starts = [a.intervals[0][0] for a in self.atoms]
        self.external_universe = universe
        self.all_nodes = frozenset(range(len(self.groups) + len(self.atoms)))
        self.atom_nodes = frozenset(range(self.atom_base, self.atom_base + len(self.atoms)))

    def _all_peers(self) -> Iterator[PolicyPeer]:
        for pol in self.cluster.policies:
            for rule in (*pol.ingress, *pol.egress):
                yield from rule.peers or ()

    def atoms_of(self, addresses: AddressSet) -> frozenset[int]:
        """Node ids of the atoms covered by ``addresses`` (atoms are never split by an ipBlock)."""
        import bisect

        out: set[int] = set()
        for lo, hi in addresses.intervals:
            i = max(bisect.bisect_right(self.atom_starts, lo) - 1, 0)
            while i < len(self.atoms) and self.atom_starts[i] <= hi:
                if self.atoms[i].intervals[0][1] >= lo:
                    out.add(self.atom_base + i)
                i += 1
        return frozenset(out)

    # -- selectors --------------------------------------------------------------------------------------
    def _match(self, candidates: Iterable[int], selector: LabelSelector) -> set[int]:
        cands = set(candidates)
        for kv in selector.match_labels:
            cands &= self.label_index.get(kv, set())
            if not cands:
                return cands
        if selector.expressions:
            only_exprs = LabelSelector((), selector.expressions)
            cands = {g for g in cands if only_exprs.matches(self.groups[g].labels)}
        return cands

    def _select(self, namespace: str, selector: LabelSelector) -> frozenset[int]:
        key: tuple[object, ...] = ("pod", namespace, selector)
        hit = self._selector_cache.get(key)
        if hit is None:
            hit = frozenset(self._match(self.groups_by_ns.get(namespace, ()), selector))
            self._selector_cache[key] = hit
        return hit

    def _peer_nodes(self, pol: NetworkPolicy, peer: PolicyPeer) -> frozenset[int]:
        """K8/K9: one peer's nodes."""
        if peer.ip_block is not None:
            return self.atoms_of(peer.ip_block)
        if peer.namespace_selector is None:  # podSelector alone: the policy's namespace
            assert peer.pod_selector is not None
            return self._select(pol.namespace, peer.pod_selector)
        key: tuple[object, ...] = ("ns", peer.namespace_selector, peer.pod_selector)
        hit = self._selector_cache.get(key)
        if hit is None:
            sel = peer.namespace_selector
            nss = [n for n, ns in self.cluster.namespaces.items() if sel.matches(ns.labels)]
            out: set[int] = set()
            for n in nss:
                out |= self._select(n, peer.pod_selector or LabelSelector())
            hit = frozenset(out)
            self._selector_cache[key] = hit
        return hit

    def _compile(self, pol: NetworkPolicy, rule: PolicyRule, direction: str) -> CompiledRule:
        if rule.peers is None:
            nodes = self.all_nodes  # K6: empty from/to means any peer, external included
        else:
            acc: set[int] = set()
            for peer in rule.peers:
                acc |= self._peer_nodes(pol, peer)
            nodes = frozenset(acc)
        named = any(p.name is not None for p in rule.ports)
        static = None if named else ports_conn(rule.ports, None)
        compiled = CompiledRule(pol, rule, direction, nodes, static, rule.ports)
        (self.ingress_rules if direction == "ingress" else self.egress_rules).append(compiled)
        return compiled

    # -- queries ----------------------------------------------------------------------------------------
    def group_of_workload(self, w: Workload) -> PodGroup:
        try:
            return self.groups[self.group_of[id(w)]]
        except KeyError:
            raise ValueError(f"workload {w.display} is not part of this model") from None

    def find_workloads(self, namespace: str | None = None, selector: LabelSelector | None = None,
                       name: str | None = None) -> list[Workload]:
        """Workloads by namespace, label selector and/or owner name (for binding topology roles)."""
        out = []
        for w in self.cluster.workloads:
            if namespace is not None and w.namespace != namespace:
                continue
            if name is not None and w.name != name:
                continue
            if selector is not None and not selector.matches(w.labels):
                continue
            out.append(w)
        return out

    def _isolating(self, policy_ids: list[int]) -> tuple[tuple[str, SourceRef], ...]:
        return tuple((self.cluster.policies[i].key, self.cluster.policies[i].source) for i in policy_ids)

    def _side(self, direction: str, subject: PodGroup | None, subject_name: str, peer_node: int,
              dst_group: PodGroup | None, protocol: str, ports: PortSet) -> SideDecision:
        if subject is None:
            return SideDecision(direction, subject_name, ports, (), (), external=True)
        pols = (self.egress_policies if direction == "egress" else self.ingress_policies)[subject.index]
        if not pols:
            return SideDecision(direction, subject_name, ports, (), ())
        rules_by_policy = self.policy_egress_rules if direction == "egress" else self.policy_ingress_rules
        evidence: list[RuleEvidence] = []
        allowed = PortSet()
        for pi in pols:
            for cr in rules_by_policy[pi]:
                if peer_node not in cr.peers and not (peer_node == _OUTSIDE and cr.rule.peers is None):
                    continue
                got = _ps(cr.conn_to(dst_group).ports(protocol) & ports)
                if got:
                    evidence.append(RuleEvidence(cr.policy.key, cr.policy.source, cr.rule.source, got))
                    allowed = _ps(allowed | got)
        return SideDecision(direction, subject_name, allowed, self._isolating(pols), tuple(evidence))

    def _endpoint_nodes(self, ep: Endpoint) -> list[tuple[int, str, AddressSet | None]]:
        if isinstance(ep, AddressSet):
            inside = _as(ep & self.external_universe)
            out: list[tuple[int, str, AddressSet | None]] = []
            for node in sorted(self.atoms_of(inside)):
                part = _as(inside & self.atoms[node - self.atom_base])
                out.append((node, str(part), part))
            outside = _as(ep - self.external_universe)
            if outside:  # IPv6 when no policy mentions IPv6: only "any peer" rules match it
                out.append((_OUTSIDE, str(outside), outside))
            return out
        return [(self.group_of_workload(ep).index, ep.display, None)]

    def check_flow(self, src: Endpoint, dst: Endpoint, protocol: str, ports: PortSet) -> FlowDecision:
        """Is ``src`` → ``dst`` on ``protocol``/``ports`` allowed? (K5: source egress AND destination
        ingress). ``src``/``dst`` are a workload (its pod group) or a set of external addresses; ``protocol``
        is TCP, UDP or SCTP. Address endpoints are split at ipBlock boundaries into pieces, each with its
        own evidence.
        """
        protocol = protocol.upper()
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol {protocol!r}: NetworkPolicies know only TCP, UDP and SCTP")
        ports = ports & K8S_PORTS
        pieces = []
        for snode, sname, saddr in self._endpoint_nodes(src):
            sgroup = self.groups[snode] if 0 <= snode < self.atom_base else None
            for dnode, dname, daddr in self._endpoint_nodes(dst):
                dgroup = self.groups[dnode] if 0 <= dnode < self.atom_base else None
                if sgroup is None and dgroup is None:
                    continue  # external to external: not a cluster flow
                eg = self._side("egress", sgroup, sname, dnode, dgroup, protocol, ports)
                ig = self._side("ingress", dgroup, dname, snode, dgroup, protocol, ports)
                allowed = eg.allowed & ig.allowed
                pieces.append(FlowPiece(sname, dname, saddr, daddr, eg, ig, allowed))
        return FlowDecision(protocol, ports, tuple(pieces))

    # -- all pairs --------------------------------------------------------------------------------------
    def _classes(self, direction: str) -> tuple[dict[ClassKey, set[int]], list[ClassKey]]:
        """Nodes grouped by the policies isolating them in ``direction`` (+ named ports if they matter)."""
        per_group = self.egress_policies if direction == "egress" else self.ingress_policies
        rules_by_policy = self.policy_egress_rules if direction == "egress" else self.policy_ingress_rules
        classes: dict[tuple[object, ...], set[int]] = {}
        key_of: list[tuple[object, ...]] = []
        for g in self.groups:
            pols = tuple(per_group[g.index])
            named = direction == "ingress" and any(
                cr.static_conn is None for pi in pols for cr in rules_by_policy[pi])
            key = (pols, g.named_ports if named else None)
            classes.setdefault(key, set()).add(g.index)
            key_of.append(key)
        none_key: tuple[object, ...] = ((), None)
        for a in sorted(self.atom_nodes):
            classes.setdefault(none_key, set()).add(a)
            key_of.append(none_key)
        return classes, key_of

    def _membership(self, rules: list[CompiledRule]) -> list[int]:
        """Per node: bitmask of the rules (by position in ``rules``) whose peers contain it."""
        out = [0] * len(self.all_nodes)
        anywhere = 0
        for i, cr in enumerate(rules):
            bit = 1 << i
            if cr.peers is self.all_nodes:
                anywhere |= bit  # no from/to: every node, no need to visit them
                continue
            for n in cr.peers:
                out[n] |= bit
        return [m | anywhere for m in out]

    def _buckets(self, direction: str, key: ClassKey, members: set[int], peer_classes: list[PeerClass],
                 rule_pos: dict[int, int]) -> list[tuple[list[int], Conn]]:
        """For one class: the peer classes split by which of its rules match them, with the connections.

        ``peer_classes`` are (representative node, rule membership mask in this direction); the result lists
        peer-class indices per bucket.
        """
        pols = key[0]
        assert isinstance(pols, tuple)
        if not pols:
            return [(list(range(len(peer_classes))), ALL_CONN)]
        rules_by_policy = self.policy_egress_rules if direction == "egress" else self.policy_ingress_rules
        rules = [cr for pi in pols for cr in rules_by_policy[pi]]
        class_mask = 0
        for cr in rules:
            class_mask |= 1 << rule_pos[id(cr)]
        named = any(cr.static_conn is None for cr in rules)
        sample = self.groups[next(iter(members))] if direction == "ingress" and members else None
        by_key: dict[tuple[int, object], list[int]] = {}
        for pc, (rep, membership) in enumerate(peer_classes):
            m = membership & class_mask
            if not m:
                continue
            # on egress a named port resolves on the destination: split destinations by their named ports
            ports = self.groups[rep].named_ports if named and direction == "egress" and rep < self.atom_base \
                else ()
            by_key.setdefault((m, ports), []).append(pc)
        out: list[tuple[list[int], Conn]] = []
        for (m, _), pcs in by_key.items():
            if direction == "egress":
                rep = peer_classes[pcs[0]][0]
                dst = self.groups[rep] if rep < self.atom_base else None
            else:
                dst = sample
            conn = NO_CONN
            for cr in rules:
                if m >> rule_pos[id(cr)] & 1:
                    conn = conn | cr.conn_to(dst)
            if conn:
                out.append((pcs, conn))
        return out

    def group_pairs(self) -> Iterator[tuple[list[int], list[int], Conn]]:
        """All allowed (source nodes, destination nodes, connections) triples, each node pair at most once.

        Nodes that every rule and every class treats alike (same rule membership in both directions, same
        egress and ingress class, same named ports) form one *peer class*; buckets and pairing work on peer
        classes and expand to nodes only when yielding.
        """
        eclasses, ekey_of = self._classes("egress")
        iclasses, ikey_of = self._classes("ingress")
        eindex = {k: i for i, k in enumerate(eclasses)}
        iindex = {k: i for i, k in enumerate(iclasses)}
        in_pos = {id(cr): i for i, cr in enumerate(self.ingress_rules)}
        out_pos = {id(cr): i for i, cr in enumerate(self.egress_rules)}
        in_member = self._membership(self.ingress_rules)
        out_member = self._membership(self.egress_rules)
        pc_of_key: dict[tuple[object, ...], int] = {}
        pc_nodes: list[list[int]] = []
        pc_in: list[tuple[int, int]] = []
        pc_out: list[tuple[int, int]] = []
        pc_e: list[int] = []
        pc_i: list[int] = []
        for n in range(len(self.all_nodes)):
            ports = self.groups[n].named_ports if n < self.atom_base else ()
            e, i = eindex[ekey_of[n]], iindex[ikey_of[n]]
            k = (in_member[n], out_member[n], e, i, ports)
            pc = pc_of_key.get(k)
            if pc is None:
                pc = pc_of_key[k] = len(pc_nodes)
                pc_nodes.append([])
                pc_in.append((n, in_member[n]))
                pc_out.append((n, out_member[n]))
                pc_e.append(e)
                pc_i.append(i)
            pc_nodes[pc].append(n)
        # ingress buckets of every class, split by the egress class of the source peer classes
        ibuckets: list[list[tuple[dict[int, list[int]], Conn]]] = []
        for ikey, imembers in iclasses.items():
            lst = []
            for pcs, conn in self._buckets("ingress", ikey, imembers, pc_in, in_pos):
                split: dict[int, list[int]] = {}
                for pc in pcs:
                    split.setdefault(pc_e[pc], []).append(pc)
                lst.append(({e: [n for pc in s for n in pc_nodes[pc]] for e, s in split.items()}, conn))
            ibuckets.append(lst)
        meet: dict[tuple[Conn, Conn], Conn] = {}  # few distinct connection sets: intersect each pair once
        for ekey, emembers in eclasses.items():
            ei = eindex[ekey]
            for pcs, econn in self._buckets("egress", ekey, emembers, pc_out, out_pos):
                by_iclass: dict[int, list[int]] = {}
                for pc in pcs:
                    by_iclass.setdefault(pc_i[pc], []).extend(pc_nodes[pc])
                for ii, dsub in by_iclass.items():
                    for by_eclass, iconn in ibuckets[ii]:
                        ssub = by_eclass.get(ei)
                        if not ssub:
                            continue
                        both = meet.get((econn, iconn))
                        if both is None:
                            both = meet[(econn, iconn)] = econn & iconn
                        if both:
                            yield ssub, dsub, both


def load_model(path: str) -> NetpolModel:
    """Load every manifest under ``path`` and compile it (the entry point for path checks)."""
    from validator.ingest.loaders.kubernetes import load_cluster

    return NetpolModel(load_cluster(path))
