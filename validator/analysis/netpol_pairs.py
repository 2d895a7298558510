"""Every allowed (source, destination, connections) of a cluster at once: the all-pairs half of the analysis.

Groups selected by the same policies share one egress class and one ingress class, so all pairs are
evaluated per (class, class) with interval arithmetic on port sets, never per single port or address;
``connectivity`` expands the classes into the connlist.
"""

from __future__ import annotations

from collections.abc import Iterator

from validator.analysis.netpol import ClassKey, NetpolModel, PeerClass
from validator.analysis.netpol_flows import CompiledRule
from validator.model.connections import ALL_CONN, NO_CONN, Conn


def _classes(model: NetpolModel, direction: str) -> tuple[dict[ClassKey, set[int]], list[ClassKey]]:
    """Nodes grouped by the policies isolating them in ``direction`` (+ named ports if they matter)."""
    per_group = model.egress_policies if direction == "egress" else model.ingress_policies
    rules_by_policy = model.policy_egress_rules if direction == "egress" else model.policy_ingress_rules
    classes: dict[tuple[object, ...], set[int]] = {}
    key_of: list[tuple[object, ...]] = []
    for g in model.groups:
        pols = tuple(per_group[g.index])
        named = direction == "ingress" and any(cr.static_conn is None for pi in pols for cr in rules_by_policy[pi])
        key = (pols, g.named_ports if named else None)
        classes.setdefault(key, set()).add(g.index)
        key_of.append(key)
    none_key: tuple[object, ...] = ((), None)
    for a in sorted(model.atom_nodes):
        classes.setdefault(none_key, set()).add(a)
        key_of.append(none_key)
    return classes, key_of


def _membership(model: NetpolModel, rules: list[CompiledRule]) -> list[int]:
    """Per node: bitmask of the rules (by position in ``rules``) whose peers contain it."""
    out = [0] * len(model.all_nodes)
    anywhere = 0
    for i, cr in enumerate(rules):
        bit = 1 << i
        if cr.peers is model.all_nodes:
            anywhere |= bit  # no from/to: every node, no need to visit them
            continue
        for n in cr.peers:
            out[n] |= bit
    return [m | anywhere for m in out]


def _buckets(
    model: NetpolModel,
    direction: str,
    key: ClassKey,
    members: set[int],
    peer_classes: list[PeerClass],
    rule_pos: dict[int, int],
) -> list[tuple[list[int], Conn]]:
    """For one class: the peer classes split by which of its rules match them, with the connections.

    ``peer_classes`` are (representative node, rule membership mask in this direction); the result lists
    peer-class indices per bucket.
    """
    pols = key[0]
    assert isinstance(pols, tuple)
    if not pols:
        return [(list(range(len(peer_classes))), ALL_CONN)]
    rules_by_policy = model.policy_egress_rules if direction == "egress" else model.policy_ingress_rules
    rules = [cr for pi in pols for cr in rules_by_policy[pi]]
    class_mask = 0
    for cr in rules:
        class_mask |= 1 << rule_pos[id(cr)]
    named = any(cr.static_conn is None for cr in rules)
    sample = model.groups[next(iter(members))] if direction == "ingress" and members else None
    by_key: dict[tuple[int, object], list[int]] = {}
    for pc, (rep, membership) in enumerate(peer_classes):
        m = membership & class_mask
        if not m:
            continue
        # on egress a named port resolves on the destination: split destinations by their named ports
        ports = model.groups[rep].named_ports if named and direction == "egress" and rep < model.atom_base else ()
        by_key.setdefault((m, ports), []).append(pc)
    out: list[tuple[list[int], Conn]] = []
    for (m, _), pcs in by_key.items():
        if direction == "egress":
            rep = peer_classes[pcs[0]][0]
            dst = model.groups[rep] if rep < model.atom_base else None
        else:
            dst = sample
        conn = NO_CONN
        for cr in rules:
            if m >> rule_pos[id(cr)] & 1:
                conn = conn | cr.conn_to(dst)
        if conn:
            out.append((pcs, conn))
    return out


def group_pairs(model: NetpolModel) -> Iterator[tuple[list[int], list[int], Conn]]:
    """All allowed (source nodes, destination nodes, connections) triples, each node pair at most once.

    Nodes that every rule and every class treats alike (same rule membership in both directions, same
    egress and ingress class, same named ports) form one *peer class*; buckets and pairing work on peer
    classes and expand to nodes only when yielding.
    """
    eclasses, ekey_of = _classes(model, "egress")
    iclasses, ikey_of = _classes(model, "ingress")
    eindex = {k: i for i, k in enumerate(eclasses)}
    iindex = {k: i for i, k in enumerate(iclasses)}
    in_pos = {id(cr): i for i, cr in enumerate(model.ingress_rules)}
    out_pos = {id(cr): i for i, cr in enumerate(model.egress_rules)}
    in_member = _membership(model, model.ingress_rules)
    out_member = _membership(model, model.egress_rules)
    pc_of_key: dict[tuple[object, ...], int] = {}
    pc_nodes: list[list[int]] = []
    pc_in: list[tuple[int, int]] = []
    pc_out: list[tuple[int, int]] = []
    pc_e: list[int] = []
    pc_i: list[int] = []
    for n in range(len(model.all_nodes)):
        ports = model.groups[n].named_ports if n < model.atom_base else ()
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
        for pcs, conn in _buckets(model, "ingress", ikey, imembers, pc_in, in_pos):
            split: dict[int, list[int]] = {}
            for pc in pcs:
                split.setdefault(pc_e[pc], []).append(pc)
            lst.append(({e: [n for pc in s for n in pc_nodes[pc]] for e, s in split.items()}, conn))
        ibuckets.append(lst)
    meet: dict[tuple[Conn, Conn], Conn] = {}  # few distinct connection sets: intersect each pair once
    for ekey, emembers in eclasses.items():
        ei = eindex[ekey]
        for pcs, econn in _buckets(model, "egress", ekey, emembers, pc_out, out_pos):
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
