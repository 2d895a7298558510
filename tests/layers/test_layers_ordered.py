"""First-match box evaluator, checked against a brute-force oracle on a tiny universe."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import default_decided, sources_fully
from validator.analysis.ordered import OrderedRule, coalesce, evaluate
from validator.model.flows import Box
from validator.model.rules import SourceRef
from validator.model.sets import AddressSet, PortSet

# tiny universe: addresses 0..15 (0.0.0.0-0.0.0.15), ports 0..7 — small enough to enumerate in the oracle
N_ADDR, N_PORT = 16, 8


def iv(draw: st.DrawFn, limit: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        a = draw(st.integers(0, limit - 1))
        b = draw(st.integers(a, limit - 1))
        out.append((a, b))
    return out


@st.composite
def boxes(draw: st.DrawFn) -> Box:
    return Box(AddressSet(iv(draw, N_ADDR)), AddressSet(iv(draw, N_ADDR)), PortSet(iv(draw, N_PORT)))


@st.composite
def rules(draw: st.DrawFn) -> list[OrderedRule]:
    out = []
    for i in range(draw(st.integers(0, 6))):
        b = draw(boxes())
        out.append(
            OrderedRule(
                draw(st.sampled_from(["allow", "deny"])),
                b.src,
                b.dst,
                draw(st.sampled_from(["tcp", "udp", "all"])),
                b.ports,
                SourceRef("r", i + 1),
            )
        )
    return out


def points(box: Box) -> set[tuple[int, int, int]]:
    return {
        (s, d, p)
        for s, d, p in itertools.product(range(N_ADDR), range(N_ADDR), range(N_PORT))
        if s in box.src and d in box.dst and p in box.ports
    }


@given(boxes(), boxes())
@settings(max_examples=150, deadline=None)
def test_box_subtraction_is_exact_and_disjoint(a: Box, b: Box) -> None:
    pieces = a.subtract(b)
    assert len(pieces) <= 3
    seen: set[tuple[int, int, int]] = set()
    for piece in pieces:
        assert not piece.is_empty()
        pts = points(piece)
        assert not pts & seen
        seen |= pts
    assert seen == points(a) - points(b)


@given(rules(), boxes(), st.sampled_from(["allow", "deny"]), st.sampled_from(["tcp", "udp"]))
@settings(max_examples=150, deadline=None)
def test_first_match_agrees_with_pointwise_oracle(
    rs: list[OrderedRule], request: Box, default: str, proto: str
) -> None:
    result = evaluate(rs, default, request, proto)
    got: dict[tuple[int, int, int], tuple[str, int | None]] = {}
    for d in result.decided:
        for pt in points(d.box):
            assert pt not in got, "decided boxes overlap"
            got[pt] = (d.action, d.index)
    expected = {}
    for pt in points(request):
        s, dd, p = pt
        for i, r in enumerate(rs):
            if r.protocol in ("all", proto) and s in r.src and dd in r.dst and p in r.ports:
                expected[pt] = (r.action, i)
                break
        else:
            expected[pt] = (default, None)
    assert got == expected


@st.composite
def maybe_rules(draw: st.DrawFn) -> list[OrderedRule]:
    """Rules of which some might not match (a part not known until apply)."""
    return [
        OrderedRule(r.action, r.src, r.dst, r.protocol, r.ports, r.source, maybe=draw(st.booleans()))
        for r in draw(rules())
    ]


def outcomes(rs: list[OrderedRule], default: str, proto: str, pt: tuple[int, int, int]) -> set[str]:
    """Every action the point can get, each maybe rule matching or not (the three-valued oracle)."""
    s, d, p = pt
    for i, r in enumerate(rs):
        if r.protocol in ("all", proto) and s in r.src and d in r.dst and p in r.ports:
            if r.maybe:
                return {r.action} | outcomes(rs[i + 1 :], default, proto, pt)
            return {r.action}
    return {default}


@given(maybe_rules(), boxes(), st.sampled_from(["allow", "deny"]), st.sampled_from(["tcp", "udp"]))
@settings(max_examples=200, deadline=None)
def test_maybe_rules_make_exactly_the_undecidable_points_unknown(
    rs: list[OrderedRule], request: Box, default: str, proto: str
) -> None:
    result = evaluate(rs, default, request, proto)
    got: dict[tuple[int, int, int], str] = {}
    for d in result.decided:
        for pt in points(d.box):
            assert pt not in got, "decided boxes overlap"
            got[pt] = d.action
    expected = {}
    for pt in points(request):
        possible = outcomes(rs, default, proto, pt)
        expected[pt] = possible.pop() if len(possible) == 1 else "unknown"
    assert got == expected


def test_nacl_style_rules_ipv4_and_ipv6_are_separate() -> None:
    # NACL: rule 100 allows tcp 443 from 0.0.0.0/0, rule 200 denies 10.0.5.0/24 (too late), * deny
    rs = [
        OrderedRule(
            "allow",
            AddressSet.parse("0.0.0.0/0"),
            AddressSet.parse("10.0.0.0/16"),
            "tcp",
            PortSet.range(443),
            SourceRef("nacl.tf", 10, "100"),
        ),
        OrderedRule(
            "deny",
            AddressSet.parse("10.0.5.0/24"),
            AddressSet.parse("0.0.0.0/0"),
            "all",
            PortSet.all(),
            SourceRef("nacl.tf", 20, "200"),
        ),
    ]
    v6 = evaluate(
        rs, "deny", Box(AddressSet.parse("2001:db8::/64"), AddressSet.parse("10.0.1.1"), PortSet.range(443)), "tcp"
    )
    assert v6.verdict == "deny" and default_decided(v6)
    v4 = evaluate(
        rs, "deny", Box(AddressSet.parse("10.0.5.0/24"), AddressSet.parse("10.0.1.1"), PortSet.range(440, 450)), "tcp"
    )
    assert v4.verdict == "partial"
    assert v4.allowed == [Box(AddressSet.parse("10.0.5.0/24"), AddressSet.parse("10.0.1.1"), PortSet.range(443))]
    denied = v4.denied
    assert {d.rule.source.line if d.rule and d.rule.source else None for d in denied} == {20}
    assert PortSet([(440, 442), (444, 450)]) == denied[0].box.ports


def test_protocol_filtering_and_sources_fully() -> None:
    udp_only = OrderedRule("allow", AddressSet.everything(), AddressSet.everything(), "udp")
    res = evaluate(
        [udp_only], "deny", Box(AddressSet.parse("10.0.0.0/8"), AddressSet.parse("1.1.1.1"), PortSet.range(53)), "tcp"
    )
    assert res.verdict == "deny" and default_decided(res)
    rs = [OrderedRule("allow", AddressSet.parse("10.1.0.0/16"), AddressSet.everything(), "all")]
    res = evaluate(
        rs, "deny", Box(AddressSet.parse("10.0.0.0/8"), AddressSet.parse("1.1.1.1"), PortSet.range(443)), "tcp"
    )
    assert sources_fully(res, "allow") == AddressSet.parse("10.1.0.0/16")
    assert sources_fully(res, "deny") == AddressSet.parse("10.0.0.0/8") - AddressSet.parse("10.1.0.0/16")


def test_wide_sets_many_rules_no_enumeration() -> None:
    # 500 alternating /24 deny rules over an IPv6 + IPv4 request: fast because nothing is enumerated
    rs = [
        OrderedRule(
            "deny", AddressSet.parse(f"10.{i // 256}.{i % 256}.0/24"), AddressSet.everything(), "tcp", PortSet.all()
        )
        for i in range(0, 1000, 2)
    ]
    rs.append(OrderedRule("allow", AddressSet.everything(), AddressSet.everything()))
    res = evaluate(rs, "deny", Box(AddressSet.everything(), AddressSet.everything(), PortSet.all()), "tcp")
    assert sources_fully(res, "deny").size() == 500 * 256
    assert sources_fully(res, "allow") == AddressSet.everything() - sources_fully(res, "deny")


def test_coalesce_merges_split_boxes() -> None:
    a = Box(AddressSet.parse("10.0.0.0/25"), AddressSet.parse("1.1.1.1"), PortSet.range(443))
    b = Box(AddressSet.parse("10.0.0.128/25"), AddressSet.parse("1.1.1.1"), PortSet.range(443))
    assert coalesce([a, b]) == [Box(AddressSet.parse("10.0.0.0/24"), AddressSet.parse("1.1.1.1"), PortSet.range(443))]


def test_everything_is_two_families_after_algebra() -> None:
    # model fix: adjacent v4-max / v6-min intervals must not merge into one cross-family interval
    e = AddressSet.everything()
    rebuilt = (e - AddressSet.parse("10.0.0.0/8")) | AddressSet.parse("10.0.0.0/8")
    assert rebuilt == e
    assert rebuilt.ranges() == ["0.0.0.0/0", "::/0"]
