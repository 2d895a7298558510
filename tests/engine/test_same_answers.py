"""Same answers everywhere: the shipped policy suite (``policies/**``) and the sample policy give identical
findings on every installed backend — embedded regorus, regopy (if installed) and the OPA backend (through
the STAND-IN server, so this checks transport, not OPA's evaluation) — on every input in ``inputs/``.

A backend that refuses a bundle (regopy lacks every net.* builtin) must say so clearly at load; that case
is skipped with the engine's own message as the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from validator.model.errors import InputError
from validator.policy.engine import available_engines, evaluate_findings, get_engine, load_bundle

from .conftest import HERE, SAMPLE

ROOT = HERE.parent.parent
SHIPPED = ROOT / "policies"
INPUTS = sorted((HERE / "inputs").glob("*.json"))
SUITES = {"sample": [SAMPLE]}
if any(SHIPPED.rglob("*.rego")):
    SUITES["shipped"] = [SHIPPED]


def _findings(engine_name: str, dirs: list[Path], opa_url: str | None = None) -> dict[str, list[dict]]:
    bundle = load_bundle(dirs, include_tests=False)
    engine = get_engine(engine_name, opa_url=opa_url, opa_token="t0ken" if opa_url else None)
    engine.load(bundle.modules, bundle.data)
    return {
        path.name: [f.as_dict() for f in evaluate_findings(engine, bundle, json.loads(path.read_text()))]
        for path in INPUTS
    }


@pytest.mark.parametrize("suite", sorted(SUITES))
@pytest.mark.parametrize("backend", [*available_engines(), "opa-standin"])
def test_backend_gives_the_embedded_findings(suite: str, backend: str, request: pytest.FixtureRequest) -> None:
    expected = _findings("embedded", SUITES[suite])
    try:
        if backend == "opa-standin":
            got = _findings("opa", SUITES[suite], opa_url=request.getfixturevalue("standin").url)
        else:
            got = _findings(backend, SUITES[suite])
    except InputError as exc:
        message = str(exc)
        assert "cannot run this policy" in message and backend == "regopy", message
        pytest.skip(f"{backend} refuses the {suite} bundle: {message}")
    assert got == expected


def test_the_sample_suite_has_findings_of_every_kind() -> None:
    """Guards the comparison above against comparing empty lists."""
    found = _findings("embedded", [SAMPLE])
    kinds = {f["kind"] for findings in found.values() for f in findings}
    assert kinds == {"deny", "warn", "violation"}
    assert found["empty.json"] == []
    mixed = found["mixed.json"]
    assert [(f["kind"], f["id"], f["severity"]) for f in mixed] == [
        ("deny", "PP-SAMPLE-001", "high"),
        ("deny", "PP-SAMPLE-001", "high"),
        ("violation", "PP-SAMPLE-003", "low"),
        ("violation", "PP-SAMPLE-003", "low"),
        ("warn", "PP-SAMPLE-002", "medium"),
    ]


def test_regopy_refuses_net_builtins_with_the_call_location(tmp_path: Path) -> None:
    if "regopy" not in available_engines():
        pytest.skip("regopy is not installed (extra palette-policy[regopy])")
    policy = tmp_path / "p.rego"
    policy.write_text('package p\nimport rego.v1\n\ndeny contains "x" if net.cidr_contains("10.0.0.0/8", input.ip)\n')
    bundle = load_bundle([tmp_path])
    with pytest.raises(InputError) as info:
        get_engine("regopy").load(bundle.modules, bundle.data)
    assert (info.value.file, info.value.line, info.value.column) == (str(policy), 4, 22)
    assert "regopy engine cannot run this policy: net.cidr_contains" in info.value.message
