"""get_engine, provenance, evaluation errors, the time limit and the regopy crash guard."""

from __future__ import annotations

import importlib.metadata
import time

import pytest

from validator.model.errors import InputError
from validator.policy.engine import available_engines, get_engine

SLOW = (
    "package slow\nimport rego.v1\n"
    "n := count([1 | some i in numbers.range(1, 4000); some j in numbers.range(1, 4000)])\n"
)


def test_default_engine_and_provenance() -> None:
    engine = get_engine()
    assert engine.name == "regorus"
    assert engine.version == importlib.metadata.version("gordon-to-regorus")
    assert engine.description.startswith(f"regorus {engine.version}")


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"name": "wasm"}, "unknown policy engine 'wasm'"),
        ({"name": "opa"}, "needs the server's address"),
        ({"name": "regopy", "opa_url": "http://localhost:8181"}, "cannot be combined with --opa-url"),
    ],
)
def test_engine_selection_errors(kwargs: dict, pattern: str) -> None:
    with pytest.raises(InputError, match=pattern) as info:
        get_engine(**kwargs)
    assert info.value.hint


def test_regopy_missing_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_regopy(name: str, *args: object, **kwargs: object) -> object:
        if name == "regopy":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_regopy)
    with pytest.raises(InputError, match="regopy engine is not installed") as info:
        get_engine("regopy")
    assert "palette-policy[regopy]" in (info.value.hint or "")


def test_input_none_is_undefined_and_empty_object_is_defined() -> None:
    engine = get_engine()
    engine.load({"a.rego": "package a\nimport rego.v1\nhas_input if input\nkind := type_name(input)\n"}, {})
    assert engine.evaluate("data.a.kind", {"x": 1}) == "object"
    assert engine.evaluate("data.a.kind") is None  # no input document at all, as opa test runs
    assert engine.evaluate("data.a.kind", {}) == "object"


def test_evaluation_error_names_the_rule() -> None:
    engine = get_engine()
    engine.load({"c.rego": "package c\nimport rego.v1\n\nx := 1 if input.a\nx := 2 if input.b\n"}, {})
    assert engine.evaluate("data.c.x", {"a": True}) == 1
    with pytest.raises(InputError) as info:
        engine.evaluate("data.c.x", {"a": True, "b": True})
    assert "evaluation error in rule data.c.x" in info.value.message
    assert info.value.file == "c.rego" and info.value.line in (4, 5)


def test_time_limit_stops_a_runaway_policy() -> None:
    engine = get_engine(timeout=0.5)
    engine.load({"slow.rego": SLOW}, {})
    start = time.monotonic()
    with pytest.raises(InputError, match="exceeded the time limit of 0.5 s"):
        engine.evaluate("data.slow.n", {})
    assert time.monotonic() - start < 5


def test_time_limit_still_returns_answers_and_errors() -> None:
    engine = get_engine(timeout=10)
    engine.load({"a.rego": "package a\nimport rego.v1\nx := input.v + 1\nbad := 1 / input.z\n"}, {})
    assert engine.evaluate("data.a.x", {"v": 41}) == 42
    with pytest.raises(InputError, match="rule data.a.bad: divide by zero"):
        engine.evaluate("data.a.bad", {"z": 0})


@pytest.mark.skipif("regopy" not in available_engines(), reason="regopy is not installed")
def test_regopy_crash_is_reported_not_fatal() -> None:
    engine = get_engine("regopy")
    engine.load(
        {
            "a.rego": 'package a\nimport rego.v1\ndeny contains "x" if input.x > 1\n',
            "a_test.rego": "package a_test\nimport rego.v1\nimport data.a\n"
            'test_x if { count(a.deny) == 1 with input as {"x": 2} }\n',
        },
        {},
    )
    with pytest.raises(InputError, match="rego-cpp crashed"):
        engine.evaluate("data.a.deny", {"x": 2})


@pytest.mark.skipif("regopy" not in available_engines(), reason="regopy is not installed")
def test_regopy_answers_and_provenance() -> None:
    engine = get_engine("regopy")
    source = 'package a\nimport rego.v1\ndeny contains "big" if input.x > 1\n'
    engine.load({"a.rego": source}, {"k": {"v": 1}})
    assert engine.evaluate("data.a.deny", {"x": 2}) == ["big"]
    assert engine.evaluate("data.a.deny", {"x": 0}) == []
    assert engine.evaluate("data.k") == {"v": 1}
    assert engine.name == "regopy" and engine.description.startswith("regopy ")


def test_provenance_names_engine_and_bundle_digest() -> None:
    from validator.policy.engine import load_bundle, provenance

    from .conftest import SAMPLE

    bundle = load_bundle([SAMPLE])
    record = provenance(get_engine(), bundle)
    assert record["engine"]["name"] == "regorus" and record["engine"]["version"]
    assert record["policy_bundle"]["digest"] == bundle.digest
    assert record["policy_bundle"]["packages"] == ["palette.sample"]
