"""Interval sets against brute force: the algebra every verdict rests on."""

from __future__ import annotations

import ipaddress
import pickle
from dataclasses import dataclass, field, fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validator.model.compact import by_fields
from validator.model.flows import Box
from validator.model.rules import UNKNOWN_FIELDS, Peer, Rule, SourceRef, Unknown, normalize_protocol
from validator.model.sets import V6_OFFSET, AddressSet, IntervalSet, PortSet

small = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)).map(lambda t: (min(t), max(t))), max_size=6)


def members(s: IntervalSet) -> set[int]:
    return {v for lo, hi in s for v in range(lo, hi + 1)}


@given(small, small)
def test_algebra_matches_python_sets(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    x, y = IntervalSet(a), IntervalSet(b)
    assert members(x | y) == members(x) | members(y)
    assert members(x & y) == members(x) & members(y)
    assert members(x - y) == members(x) - members(y)
    assert x.covers(y) == (members(y) <= members(x))
    assert x.overlaps(y) == bool(members(x) & members(y))
    # normalized: sorted, disjoint, not adjacent
    for (_, hi1), (lo2, _) in zip((x | y).intervals, (x | y).intervals[1:], strict=False):
        assert hi1 + 1 < lo2


@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=3),
    st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
)
def test_box_subtraction_is_exact(cuts: list[tuple[int, int, int]], point: tuple[int, int, int]) -> None:
    """A point is in request − ∪cuts exactly when it is in no cut (boxes as small integer cubes)."""
    request = Box(AddressSet([(0, 9)]), AddressSet([(0, 9)]), PortSet([(0, 9)]))
    boxes = [request]
    cut_boxes = [
        Box(AddressSet([(c[0], c[0] + 3)]), AddressSet([(c[1], c[1] + 3)]), PortSet([(c[2], c[2] + 3)])) for c in cuts
    ]
    for cut in cut_boxes:
        boxes = [piece for b in boxes for piece in b.subtract(cut)]

    def inside(box: Box) -> bool:
        return point[0] in box.src and point[1] in box.dst and point[2] in box.ports

    expected = not any(inside(c) for c in cut_boxes)
    assert sum(inside(b) for b in boxes) == (1 if expected else 0)  # disjoint pieces


def test_cidr_parsing_and_families_do_not_overlap() -> None:
    v4 = AddressSet.parse("0.0.0.0/0")
    v6 = AddressSet.parse("::/0")
    assert not v4.overlaps(v6)
    assert AddressSet.parse("10.0.0.0/8").ranges() == ["10.0.0.0/8"]
    assert AddressSet.parse("10.0.0.5").ranges() == ["10.0.0.5"]
    assert AddressSet.parse("10.0.0.1-10.0.0.6").ranges() == ["10.0.0.1-10.0.0.6"]
    assert AddressSet.parse("10.0.0.0/25", "10.0.0.128/25").ranges() == ["10.0.0.0/24"]
    low = int(ipaddress.ip_address("2001:db8::")) + V6_OFFSET
    assert low in AddressSet.parse("2001:db8::/32")
    assert AddressSet.parse("10.0.0.0/23").cidrs() == ["10.0.0.0/23"]
    assert (AddressSet.parse("10.0.0.0/24") - AddressSet.parse("10.0.0.0/25")).cidrs() == ["10.0.0.128/25"]


def test_strict_cidrs_reject_host_bits_and_bad_text() -> None:
    for bad, fragment in (
        ("10.0.0.1/8", "host bits set"),
        ("10.0.0.0/33", "not a valid"),
        ("300.1.1.1", "not a valid"),
        ("10.0.0.9-10.0.0.1", "reversed"),
    ):
        try:
            AddressSet.parse(bad, strict=True)
        except ValueError as exc:
            assert fragment in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")


def test_protocol_names() -> None:
    assert normalize_protocol("-1") == "all"
    assert normalize_protocol("6") == "tcp"
    assert normalize_protocol("TCP") == "tcp"
    assert normalize_protocol(17) == "udp"
    assert normalize_protocol("50") == "50"
    try:
        normalize_protocol("tcpx")
    except ValueError as exc:
        assert "unknown protocol" in str(exc)
    else:
        raise AssertionError


octet = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["00", "01", "010", "0x1", "", " 1", "１"]))
prefix = st.one_of(st.none(), st.integers(0, 40).map(str), st.sampled_from(["08", "", "-1", "255.0.0.0"]))


@given(st.lists(octet, min_size=3, max_size=5), prefix, st.booleans())
def test_ipv4_integer_parse_agrees_with_ipaddress(octets: list[str], length: str | None, strict: bool) -> None:
    """The integer path for dotted quads reads exactly what ``ipaddress`` reads (oracle), errors included."""
    from validator.model.sets import _parse_any, parse_range

    text = ".".join(octets) + ("" if length is None else f"/{length}")
    try:
        net = ipaddress.ip_network(text.strip(), strict=strict)
        expected: tuple[int, int] | None = (int(net.network_address), int(net.broadcast_address))
    except ValueError:
        expected = None
    for _ in range(2):  # the second read comes from the per-text memo
        try:
            got: tuple[int, int] | None = parse_range(text, strict=strict)
        except ValueError as exc:
            got = None
            with_ipaddress = None
            try:
                _parse_any(text, strict)
            except ValueError as plain:
                with_ipaddress = str(plain)
            assert str(exc) == with_ipaddress  # the same words as the plain path
        assert got == expected, text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans() | st.none(), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_report_json_text_is_exactly_what_json_dumps_writes(value: object) -> None:
    """The report's encoder against the standard library's (the oracle), byte for byte."""
    import json

    from validator.report.jsontext import dumps

    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    assert dumps((1, [()], {"a": (2.5, -0.0, float("inf"))})) == json.dumps(
        (1, [()], {"a": (2.5, -0.0, float("inf"))}), indent=2, ensure_ascii=False
    )


# --- pickling: what the parse cache and the parser workers send and store ---------------------------------------
cidrs = st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "192.168.1.7/32", "::/0", "2001:db8::/32"])
refs = st.builds(
    SourceRef, st.text(max_size=8), st.none() | st.integers(1, 9), st.text(max_size=5), st.none() | st.integers(1, 9)
)
rules = st.builds(
    Rule,
    st.sampled_from(["ingress", "egress", "forward"]),
    st.sampled_from(["allow", "deny"]),
    st.sampled_from(["tcp", "udp", "all", "47"]),
    st.lists(st.tuples(st.integers(0, 65535), st.integers(0, 65535)), max_size=3).map(
        lambda pairs: PortSet([(min(p), max(p)) for p in pairs])
    ),
    st.builds(
        Peer,
        st.lists(cidrs, max_size=3).map(lambda c: AddressSet.parse(*c)),
        st.lists(st.text(max_size=4), max_size=2).map(tuple),
        st.lists(st.text(max_size=4), max_size=2).map(tuple),
    ),
    refs,
    st.none() | st.integers(1, 32766),
    st.text(max_size=6),
    st.none() | st.lists(cidrs, max_size=2).map(lambda c: AddressSet.parse(*c)),
    st.lists(
        st.builds(Unknown, st.sampled_from(UNKNOWN_FIELDS), st.text(max_size=6), st.text(max_size=6), st.none() | refs),
        max_size=2,
    ).map(tuple),
    st.sampled_from(["", "aws-default-egress"]),
)


@given(st.lists(rules, max_size=4))
def test_rules_come_back_from_a_pickle_field_for_field(items: list[Rule]) -> None:
    """Rules, peers, locations and unknowns pickle as their constructor and field values (``by_fields``): a
    field out of order or missing would come back as a different rule."""
    again = pickle.loads(pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == items and [hash(r) for r in again] == [hash(r) for r in items]
    for before, after in zip(items, again, strict=True):
        assert type(after.peer.addresses) is AddressSet and type(after.ports) is PortSet
        assert [getattr(after, f.name) for f in fields(Rule)] == [getattr(before, f.name) for f in fields(Rule)]
    assert all(Rule.__reduce__(r)[0] is Rule for r in items)


def test_by_fields_refuses_a_class_its_constructor_cannot_rebuild() -> None:
    @dataclass(frozen=True)
    class Derived:
        a: int
        b: int = field(init=False, default=0)

    with pytest.raises(TypeError, match="outside __init__"):
        by_fields(Derived)


def test_report_json_text_of_subclasses_and_odd_keys_is_what_json_dumps_writes() -> None:
    """Values that are not exactly str, dict or list take the standard library's path through the checks."""
    import enum
    import json
    from collections import OrderedDict

    from validator.report.jsontext import dumps

    class Text(str):
        pass

    class Level(enum.IntEnum):
        HIGH = 3

    class Mapping(dict):  # type: ignore[type-arg]
        pass

    value = {
        "a": [Text('x\u2028"y'), Level.HIGH, True, None, 1.5, float("nan"), -0.0, 10**30],
        Text("k"): OrderedDict([(1, Mapping(b=[])), (2.5, ()), (None, {}), (False, [[]])]),
        "t": (Mapping(), [Text("")]),
    }
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        dumps([{"x": object()}])
