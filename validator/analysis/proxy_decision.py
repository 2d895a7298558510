"""What a forward proxy decides for a request, shared by Squid and the declarative proxy-rules format.

A request is (client address set, requested host name or None, destination address set or None, port,
method). Proxies check their access rules top-down, first match wins (Squid http_access, S1), so both
kinds compile their rules into ``ordered.OrderedRule`` boxes over client × destination addresses and
let ``ordered.evaluate`` split the request (three-valued: an ACL that cannot be decided statically makes
its line a ``maybe`` rule); this module turns the decided boxes back into a ``ProxyDecision`` with the
evidence an auditor needs (deciding line, ACLs involved and why they matched).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

from validator.analysis.ordered import OrderedRule, evaluate
from validator.model.flows import Box
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, as_addresses

Verdict = Literal["allow", "deny", "partial", "unknown"]
Outcome = Literal["allow", "deny", "unknown"]


@dataclass(frozen=True)
class AclEvidence:
    """One condition of a deciding rule: did it match this part of the request, and why.

    ``matched`` is the raw match of the ACL (before ``negated`` is applied); None when it cannot be
    decided statically (unknown ACL type, DNS needed).
    """

    name: str
    type: str
    negated: bool
    matched: bool | None
    detail: str
    sources: tuple[SourceRef, ...] = ()

    @property
    def satisfied(self) -> bool | None:
        """Whether this item of the rule line held (negation applied)."""
        return None if self.matched is None else self.matched != self.negated

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "type": self.type,
            "negated": self.negated,
            "matched": self.matched,
            "satisfied": self.satisfied,
            "detail": self.detail,
            "sources": [s.to_json() for s in self.sources],
        }


@dataclass(frozen=True)
class DecisionPart:
    """A part of the request (clients × destinations) and the rule that decided it.

    ``implicit`` is True when no rule matched and the default decided (Squid S2: the opposite of the last
    http_access line, whose SourceRef is then ``rule``; None when there are no lines at all).
    """

    outcome: Outcome
    clients: AddressSet
    destinations: AddressSet | None
    rule: SourceRef | None
    rule_text: str
    implicit: bool = False
    acls: tuple[AclEvidence, ...] = ()
    undecided: tuple[SourceRef, ...] = ()

    def explain(self) -> str:
        where = self.rule.location() if self.rule else "(no rules)"
        text = f"{where} {self.rule_text}".strip()
        if self.implicit:
            text = f"no rule matched; implicit {self.outcome} after {text}"
        reasons = []
        for acl in self.acls:
            srcs = ",".join(s.location() for s in acl.sources)
            reasons.append(f"{acl.detail} ({srcs})" if srcs else acl.detail)
        if reasons:
            text += " — " + "; ".join(reasons)
        if self.undecided:
            where_u = ", ".join(u.location() for u in self.undecided)
            if self.outcome == "unknown":
                text += f" (also undecidable: {where_u})"
            else:
                text += f" (whether or not {where_u} matched)"
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "clients": self.clients.ranges(),
            "destinations": None if self.destinations is None else self.destinations.ranges(),
            "rule": self.rule.to_json() if self.rule else None,
            "rule_text": self.rule_text,
            "implicit": self.implicit,
            "acls": [a.to_json() for a in self.acls],
            "undecided": [u.to_json() for u in self.undecided],
            "explanation": self.explain(),
        }


@dataclass(frozen=True)
class ProxyRequest:
    client: AddressSet
    host: str | None
    dst: AddressSet | None
    port: int
    method: str

    def to_json(self) -> dict[str, object]:
        return {
            "client": self.client.ranges(),
            "host": self.host,
            "dst": None if self.dst is None else self.dst.ranges(),
            "port": self.port,
            "method": self.method,
        }


@dataclass(frozen=True)
class ProxyDecision:
    """The proxy's answer for a request: a verdict plus the disjoint parts that make it up.

    ``verdict`` is allow/deny when every part agrees, partial when some clients (or destinations) are
    allowed and others denied — ``allowed_clients`` / ``parts`` say which — and unknown when any part
    depends on something a static check cannot know.
    """

    verdict: Verdict
    request: ProxyRequest
    parts: tuple[DecisionPart, ...] = field(default_factory=tuple)

    @property
    def allowed_clients(self) -> AddressSet:
        """Clients allowed for every requested destination."""
        bad = AddressSet()
        for p in self.parts:
            if p.outcome != "allow":
                bad = as_addresses(bad | p.clients)
        return as_addresses(self.request.client - bad)

    @property
    def denied_clients(self) -> AddressSet:
        """Clients denied for at least one requested destination."""
        out = AddressSet()
        for p in self.parts:
            if p.outcome == "deny":
                out = as_addresses(out | p.clients)
        return out

    @property
    def rule(self) -> SourceRef | None:
        """The deciding line when one part decided everything, else None."""
        return self.parts[0].rule if len(self.parts) == 1 else None

    def explain(self) -> str:
        if len(self.parts) == 1:
            return f"{self.verdict}: {self.parts[0].explain()}"
        lines = [f"{self.verdict}:"]
        for p in self.parts:
            dst = "" if p.destinations is None else f" to {p.destinations}"
            lines.append(f"  {p.outcome} for {p.clients}{dst}: {p.explain()}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "request": self.request.to_json(),
            "allowed_clients": self.allowed_clients.ranges(),
            "parts": [p.to_json() for p in self.parts],
        }


EvidenceFn = Callable[[AddressSet, AddressSet | None], tuple[AclEvidence, ...]]


@dataclass(frozen=True)
class CompiledLine:
    """An access rule compiled for one request: the client × destination box it matches, its action,
    whether its match is ``unknown`` inside that box (a condition cannot be decided statically), and
    how to explain it for a part of the request."""

    action: str
    clients: AddressSet
    destinations: AddressSet
    source: SourceRef | None
    text: str
    evidence: EvidenceFn
    unknown: bool = False


def _outcome(action: str) -> Outcome:
    if action in ("allow", "deny", "unknown"):
        return cast(Outcome, action)
    return "deny"


def _sources(lines: Sequence[CompiledLine], indices: Sequence[int]) -> tuple[SourceRef, ...]:
    out: list[SourceRef] = []
    for j in indices:
        src = lines[j].source
        if src is not None:
            out.append(src)
    return tuple(out)


Key = tuple[str, int, tuple[int, ...]]  # (action or "unknown", deciding index or -1, pending unknown lines)


def first_match(start: Box, lines: Sequence[CompiledLine], default_action: str) -> list[tuple[Key, list[Box]]]:
    """Three-valued first-match of ``start`` over ``lines`` (``ordered.evaluate``); decided boxes by key.

    Where a line's match is unknown, both branches are followed (it matched → its action; it did not →
    the later lines). If every branch gives the same action the box is decided anyway (the undecidable
    lines are listed in the key's pending tuple); otherwise the key's action is "unknown" and its index
    is the first undecidable line.
    """
    rules = [OrderedRule(line.action, line.clients, line.destinations, maybe=line.unknown) for line in lines]
    decided: dict[Key, list[Box]] = {}
    for part in evaluate(rules, default_action, start).decided:
        index = -1 if part.index is None else part.index
        decided.setdefault((part.action, index, part.pending), []).append(part.box)
    return list(decided.items())


def verdict_of(outcomes: set[str]) -> Verdict:
    if not outcomes or outcomes == {"allow"}:
        return "allow"
    if "unknown" in outcomes:
        return "unknown"
    if outcomes == {"deny"}:
        return "deny"
    return "partial"


def assemble(
    request: ProxyRequest,
    lines: Sequence[CompiledLine | None],
    default_outcome: Outcome,
    default_source: SourceRef | None,
    default_text: str,
) -> ProxyDecision:
    """First-match (``first_match``) over the compiled lines (None = a line that cannot match this
    request), turned into a ProxyDecision with evidence per part."""
    everything = AddressSet.everything()
    dst_known = request.dst is not None
    kept = [ln for ln in lines if ln is not None]
    start = Box(request.client, request.dst if request.dst is not None else everything)
    parts: list[DecisionPart] = []
    for (outcome, index, pending), boxes in first_match(start, kept, default_outcome):
        for box in boxes:
            dsts = box.dst if dst_known else None
            if index < 0:
                parts.append(
                    DecisionPart(
                        _outcome(outcome),
                        box.src,
                        dsts,
                        default_source,
                        default_text,
                        implicit=True,
                        undecided=_sources(kept, pending),
                    )
                )
                continue
            line = kept[index]
            undecided = _sources(kept, pending[1:] if outcome == "unknown" else pending)
            parts.append(
                DecisionPart(
                    _outcome(outcome),
                    box.src,
                    dsts,
                    line.source,
                    line.text,
                    acls=line.evidence(box.src, dsts),
                    undecided=undecided,
                )
            )
    return ProxyDecision(verdict_of({p.outcome for p in parts}), request, tuple(parts))
