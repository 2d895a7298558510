"""The net.cidr_* extensions against independent oracles: Python's ipaddress (collapse/overlap) and
regorus's own Rust net.cidr_contains, plus Go parsing edge cases taken from OPA's implementation."""

from __future__ import annotations

import ipaddress
import json

import pytest
import regorus
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.model.errors import InputError
from validator.policy.engine.extensions import BuiltinError, cidr_contains_matches, cidr_intersects, cidr_merge
from validator.policy.engine.regorus_engine import RegorusEngine, new_regorus_engine

v4_nets = st.builds(
    lambda a, p: str(ipaddress.IPv4Network((a, p), strict=False)), st.integers(0, 2**32 - 1), st.integers(0, 32)
)
# global unicast (2000::/3) only: an IPv6 network covering ::ffff:0:0/96 also absorbs IPv4 in OPA
v6_nets = st.builds(
    lambda a, p: str(ipaddress.IPv6Network(((0x2000 << 112) + (a << 64), p), strict=False)),
    st.integers(0, 2**61 - 1),
    st.integers(3, 64),
)
v4_hosts = st.builds(lambda a: str(ipaddress.IPv4Address(0x0A000000 + a)), st.integers(0, 2**12 - 1))
v4_small = st.builds(
    lambda a, p: str(ipaddress.IPv4Network((0x0A000000 + a, p), strict=False)),
    st.integers(0, 2**12 - 1),
    st.integers(20, 32),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(v4_small, v4_nets, v6_nets), max_size=12))
def test_merge_equals_ipaddress_collapse(cidrs: list[str]) -> None:
    nets = [ipaddress.ip_network(c) for c in cidrs]
    expected = {
        str(n) for version in (4, 6) for n in ipaddress.collapse_addresses([n for n in nets if n.version == version])
    }
    assert cidr_merge(cidrs) == expected


@settings(max_examples=200, deadline=None)
@given(st.one_of(v4_small, v4_nets), st.one_of(v4_small, v4_nets))
def test_intersects_equals_ipaddress_overlaps(a: str, b: str) -> None:
    assert cidr_intersects(a, b) == ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b))


_native = regorus.Engine()  # regorus's own (Rust) net.cidr_contains is the oracle for the pairs
_native.add_policy("n.rego", "package n\nr := net.cidr_contains(input.a, input.b)\n")


def _native_contains(a: str, b: str) -> bool:
    _native.set_input_json(json.dumps({"a": a, "b": b}))
    return bool(json.loads(_native.eval_query_as_json("data.n.r"))["result"][0]["expressions"][0]["value"])


@settings(max_examples=60, deadline=None)
@given(st.lists(v4_small, min_size=1, max_size=5), st.lists(st.one_of(v4_small, v4_hosts), min_size=1, max_size=5))
def test_contains_matches_agrees_with_native_cidr_contains(cidrs: list[str], items: list[str]) -> None:
    expected = {(i, j) for i, a in enumerate(cidrs) for j, b in enumerate(items) if _native_contains(a, b)}
    assert cidr_contains_matches(cidrs, items) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["10.1.2.3"], {"10.1.2.3/8"}),  # bare IPv4: classful mask, host bits kept (Go IPNet.String)
        (["172.16.5.4"], {"172.16.5.4/16"}),
        (["10.1.2.3", "10.0.0.0/8"], {"10.0.0.0/8"}),
        (["::ffff:10.0.0.0/104"], {"10.0.0.0/8"}),  # v4-mapped IPv6 prints as IPv4, as in Go
        (["0.0.0.0/1", "128.0.0.0/1"], {"0.0.0.0/0"}),
        (["255.255.255.255/32", "255.255.255.254/32"], {"255.255.255.254/31"}),
        (["::/1", "8000::/1"], {"::/0"}),
        (["10.0.0.0/20", "::/0"], {"::/0"}),  # OPA keeps IPv4 inside ::ffff:0:0/96 of one 128-bit space
        ({"10.0.0.0/25", "10.0.0.128/25"}, {"10.0.0.0/24"}),
    ],
)
def test_merge_edge_cases(args: object, expected: set[str]) -> None:
    assert cidr_merge(args) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "010.0.0.0/8",
        "10.0.0.0/33",
        "10.0.0.0/+8",
        "10.0.0.0/ 8",
        "fe80::1%eth0/64",
        "10.0.0.0/255.0.0.0",
        "10.0.0.0",
        "",
        "10.0.0.0/8/1",
        "10.0.0.0/٨",
    ],
)
def test_intersects_rejects_what_go_parsecidr_rejects(bad: str) -> None:
    with pytest.raises(BuiltinError, match=r"^net\.cidr_intersects: invalid CIDR address: "):
        cidr_intersects(bad, "10.0.0.0/8")


def test_intersects_mixed_families_is_false_and_v4_mapped_is_v4() -> None:
    assert cidr_intersects("10.0.0.0/8", "::/0") is False
    assert cidr_intersects("10.0.0.0/8", "::ffff:10.1.0.0/112") is True
    assert cidr_intersects("10.0.0.0/008", "10.1.0.0/16") is True  # Go's dtoi accepts leading zeros


def test_merge_errors_match_opa() -> None:
    with pytest.raises(BuiltinError, match="net.cidr_merge: IPv6 invalid: needs prefix length"):
        cidr_merge(["2001:db8::1"])
    with pytest.raises(BuiltinError, match="net.cidr_merge: element must be string"):
        cidr_merge([1])
    with pytest.raises(BuiltinError, match="net.cidr_merge: operand must be an array"):
        cidr_merge("10.0.0.0/8")


def test_contains_matches_index_kinds() -> None:
    found = cidr_contains_matches({"a": "10.0.0.0/8", "b": ["192.168.0.0/16", "x"]}, "10.1.1.1")
    assert found == {("a", "10.1.1.1")}
    assert cidr_contains_matches(1, "10.1.1.1") == set()  # other types: no elements (OPA)
    with pytest.raises(BuiltinError, match="operand 1: element must be string or non-empty array"):
        cidr_contains_matches([[]], "10.1.1.1")
    with pytest.raises(BuiltinError, match="not a valid textual representation of an IP address or CIDR: x"):
        cidr_contains_matches(["10.0.0.0/8"], "x")


def test_extensions_are_used_by_the_engine_with_sets_of_arrays() -> None:
    engine = RegorusEngine()
    source = 'package a\nm := net.cidr_contains_matches({["10.0.0.0/8", "x"]}, {["10.1.1.1", "y"]})\n'
    engine.load({"a.rego": source}, {})
    assert engine.evaluate("data.a.m", {}) == [[["10.0.0.0/8", "x"], ["10.1.1.1", "y"]]]
    assert "_px" not in engine.evaluate("data", {})


def test_builtin_error_is_an_evaluation_error_naming_the_rule_and_column() -> None:
    engine = RegorusEngine()
    source = 'package a\nimport rego.v1\n\nbad := net.cidr_merge(["nope"])\n'
    engine.load({"a.rego": source}, {})
    with pytest.raises(InputError) as info:
        engine.evaluate("data.a.bad", {})
    assert info.value.file == "a.rego" and info.value.line == 4
    assert "rule data.a.bad" in info.value.message
    assert "net.cidr_merge: invalid CIDR address: nope" in info.value.message


def test_sandbox_stubs_refuse_even_without_the_load_check() -> None:
    engine = new_regorus_engine()
    engine.add_policy(
        "s.rego", 'package s\nr := http.send({"method": "get", "url": "http://127.0.0.1:9"})\no := opa.runtime()\n'
    )
    for rule in ("r", "o"):
        with pytest.raises(RuntimeError, match="is not available"):
            engine.eval_query_as_json(f"data.s.{rule}")
