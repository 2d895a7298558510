"""OPA's own conformance cases for net.cidr_intersects / cidr_merge / cidr_contains_matches, run through
the embedded engine (regorus + our Python extensions). Source and license: opa_cases/MANIFEST.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from validator.model.errors import InputError
from validator.policy.engine.regorus_engine import RegorusEngine

CASES_DIR = Path(__file__).parent / "opa_cases"
_V0_SET_HEAD = re.compile(r"^(\s*)(\w+)\[(\w+)\]\s*\{", re.MULTILINE)
_V0_VALUE_HEAD = re.compile(r"^(\s*)(\w+)\s*=\s*(\w+)\s*\{", re.MULTILINE)


def _to_v1(module: str) -> str:
    module = _V0_SET_HEAD.sub(r"\1\2 contains \3 if {", module)
    return _V0_VALUE_HEAD.sub(r"\1\2 := \3 if {", module)


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.rglob("*.yaml")):
        for index, case in enumerate(yaml.safe_load(path.read_text())["cases"]):
            modules = case["modules"] if path.parent.name == "v1" else [_to_v1(m) for m in case["modules"]]
            name = f"{path.parent.name}/{path.stem}#{index}:{case['note']}"
            params.append(pytest.param(case, modules, id=name))
    return params


def _canonical(value: Any) -> Any:
    """Set-valued results compared as sets (OPA's runner sorts sets before comparing)."""
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


@pytest.mark.parametrize(("case", "modules"), _cases())
def test_opa_case(case: dict[str, Any], modules: list[str]) -> None:
    engine = RegorusEngine()
    match = re.fullmatch(r"(data\.[\w.]+) = x", case["query"])
    assert match, case["query"]
    wants_error = "want_error" in case or "want_error_code" in case
    try:
        engine.load({f"case{i}.rego": m for i, m in enumerate(modules)}, case.get("data") or {})
        value = engine.evaluate(match.group(1), {})
    except InputError as exc:
        assert wants_error, f"unexpected error: {exc}"
        expected = (case.get("want_error") or "").removeprefix("eval_builtin_error: ")
        assert expected in str(exc)
        return
    assert not wants_error, f"expected an error, got {value!r}"
    want = case["want_result"]
    assert len(want) == 1
    assert _canonical(value) == _canonical(want[0]["x"])


def test_every_case_file_is_listed_in_the_manifest() -> None:
    manifest = (CASES_DIR / "MANIFEST.md").read_text()
    for path in CASES_DIR.rglob("*.yaml"):
        assert f"{path.parent.name}/{path.name}" in manifest
