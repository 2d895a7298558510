"""NetworkPolicy semantics (K1–K13 of docs/semantics.md) on pod groups and external address atoms.

Why this shape: a cluster has many workloads but few distinct label sets and few distinct combinations of
selecting policies. Pods with identical namespace, labels and named ports form one *group*; the external
address space is cut into *atoms* at every ipBlock boundary (an ipBlock matches only addresses outside the
cluster's pods, as netpol-analyzer and network-config-analyzer do). Groups and atoms are the *nodes*. Every
peer of every rule is resolved once to a frozenset of nodes; ``netpol_pairs`` evaluates all pairs per class.

``NetpolModel.check_flow`` is the API for path checks: one (source, destination, protocol, ports) question,
answered per side (source egress, destination ingress) with the rules (file:line) that allowed it or the
policies that isolate the side when nothing matched (``netpol_flows``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import cast

from validator.analysis.netpol_flows import (
    CompiledRule,
    FlowDecision,
    FlowPiece,
    PodGroup,
    RuleEvidence,
    SideDecision,
    ports_conn,
)
from validator.model.connections import K8S_PORTS
from validator.model.kubernetes import (
    PROTOCOLS,
    Cluster,
    LabelSelector,
    NetworkPolicy,
    PolicyPeer,
    PolicyRule,
    Workload,
)
from validator.model.rules import SourceRef
from validator.model.sets import V4_MAX, AddressSet, IntervalSet, PortSet


def _ps(value: IntervalSet) -> PortSet:
    """Set algebra keeps the subclass at run time; this tells the type checker."""
    return cast(PortSet, value)


def _as(value: IntervalSet) -> AddressSet:
    return cast(AddressSet, value)


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
                [self._compile(pol, r, "ingress") for r in pol.ingress] if pol.ingress_isolates else []
            )
            self.policy_egress_rules.append(
                [self._compile(pol, r, "egress") for r in pol.egress] if pol.egress_isolates else []
            )

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

    def _isolating(self, policy_ids: list[int]) -> tuple[tuple[str, SourceRef], ...]:
        return tuple((self.cluster.policies[i].key, self.cluster.policies[i].source) for i in policy_ids)

    def _side(
        self,
        direction: str,
        subject: PodGroup | None,
        subject_name: str,
        peer_node: int,
        dst_group: PodGroup | None,
        protocol: str,
        ports: PortSet,
    ) -> SideDecision:
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
