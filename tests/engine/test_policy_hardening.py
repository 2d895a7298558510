"""What every engine refuses or bounds before a user's policy can crash the run, leak or make reports differ:
recursion (checked against OPA's own compiler cases), non-deterministic builtins, time and memory."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from validator.model.errors import InputError
from validator.policy.engine import available_engines, get_engine
from validator.policy.engine.rego_ast import check_sandbox, parse_module
from validator.policy.engine.rego_deps import rule_graph

CASES = yaml.safe_load((Path(__file__).parent / "opa_recursion" / "cases.yaml").read_text())["cases"]


def _reaches_itself(edges: dict[str, set[str]], start: str) -> bool:
    seen, stack = set(), list(edges[start])
    while stack:
        node = stack.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_recursion_is_refused_exactly_where_opa_refuses_it(case: dict) -> None:
    infos = [parse_module(f"{name}.rego", source) for name, source in case["modules"].items()]
    edges, _ = rule_graph(infos)
    recursive = {rule.rsplit(".", 1)[-1] for rule in edges if _reaches_itself(edges, rule)}
    assert recursive == {cycle[0] for cycle in case["recursive"]}
    assert not recursive & set(case.get("not_recursive", []))
    with pytest.raises(InputError) as info:
        check_sandbox(infos)
    message = info.value.message
    assert message.startswith("rego_recursion_error: rule data.")
    reported = [part.rsplit(".", 1)[-1] for part in message.split(": ", 2)[2].split(" -> ")]
    assert reported in case["recursive"]  # one of the cycles OPA names, in OPA's order
    assert info.value.file and info.value.line  # located at the rule


def test_rules_that_only_look_recursive_are_accepted() -> None:
    source = (
        "package ok\nimport rego.v1\n"
        "ports := {22, 443}\n"
        "open(ports) := ports\n"  # an argument named like a rule
        "f(x) := y if { y := x + 1 }\n"
        "g := f(1)\n"
        "h contains p if { some p in ports }\n"
        "r if { every r2 in [1] { r2 > 0 } }\n"
        "r2 := 3\n"
        'deny contains msg if { msg := sprintf("%v", [g]) }\n'
    )
    check_sandbox([parse_module("ok.rego", source)])
    shipped = Path(__file__).resolve().parents[2] / "policies"
    check_sandbox([parse_module(str(p), p.read_text()) for p in sorted(shipped.rglob("*.rego"))])


@pytest.mark.parametrize(
    "call", ["time.now_ns()", 'rand.intn("x", 10)', 'uuid.rfc4122("x")', 'io.jwt.decode_verify("t", {})']
)
@pytest.mark.parametrize("engine", available_engines())
def test_non_deterministic_builtins_are_refused_on_every_engine(engine: str, call: str) -> None:
    source = f"package user\nimport rego.v1\n\nvalue := {call}\n"
    with pytest.raises(InputError) as info:
        get_engine(engine).load({"user.rego": source}, {})
    assert info.value.file == "user.rego" and info.value.line == 4
    assert "is not available" in info.value.message and "same on every run" in info.value.message


def test_non_deterministic_builtins_are_refused_by_the_opa_backend(standin) -> None:
    engine = get_engine(opa_url=standin.url, opa_token="t0ken")
    with pytest.raises(InputError, match="time.now_ns is not available"):
        engine.load({"user.rego": "package user\nimport rego.v1\n\nt := time.now_ns()\n"}, {})
    assert not standin.state()["policies"]  # refused before anything was uploaded


def test_a_policy_that_builds_a_huge_value_stops_at_the_memory_limit() -> None:
    engine = get_engine(memory_mib=256, timeout=60)
    engine.load({"big.rego": 'package big\nimport rego.v1\n\nn := count(net.cidr_expand("10.0.0.0/8"))\n'}, {})
    start = time.monotonic()
    with pytest.raises(InputError, match="exceeded the memory limit of 256 MiB"):
        engine.evaluate("data.big.n", {})
    assert time.monotonic() - start < 60


def test_every_local_engine_has_limits_by_default() -> None:
    from validator.policy.engine.limits import DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT

    for name in available_engines():
        engine = get_engine(name)
        assert (engine.timeout, engine.memory_mib) == (DEFAULT_TIMEOUT, DEFAULT_MEMORY_MIB)  # type: ignore[attr-defined]


@pytest.mark.skipif("regopy" not in available_engines(), reason="regopy is not installed")
def test_regopy_trace_is_refused_as_one_located_line() -> None:
    with pytest.raises(InputError) as info:
        get_engine("regopy").load({"t.rego": 'package t\nimport rego.v1\n\nx if {\n\ttrace("hi")\n}\n'}, {})
    assert (info.value.file, info.value.line) == ("t.rego", 5) and "trace" in info.value.message
    assert len(str(info.value).splitlines()) == 1


def test_a_bad_opa_url_is_a_one_line_error() -> None:
    for url, reason in (("http://[::1", "not a valid URL"), ("http://host:99999", "not a valid URL")):
        with pytest.raises(InputError, match=reason):
            get_engine(opa_url=url)
