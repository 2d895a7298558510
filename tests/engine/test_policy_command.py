"""``palette-policy policy test``: per-test lines, totals, JSON, exit codes 0/1/2; and the shipped policies'
own unit tests (so CI, which runs pytest, runs them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from validator.cli import app, register
from validator.policy.engine import load_bundle
from validator.policy.engine.bundle import is_test_module
from validator.policy.rego_test import run_tests

from .conftest import HERE, SAMPLE

register()  # every command on ``app``

SHIPPED = HERE.parent.parent / "policies"

runner = CliRunner()

MIXED = {
    "p.rego": 'package p\nimport rego.v1\ndeny contains "big" if input.x > 1\n',
    "p_test.rego": (
        "package p_test\nimport rego.v1\nimport data.p\n\n"
        'test_big if { count(p.deny) == 1 with input as {"x": 2} }\n'
        'test_wrong if { count(p.deny) == 1 with input as {"x": 0} }\n'
        "todo_test_later if { false }\n"
        "test_error if { 1 / 0 }\n"
    ),
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_sample_policy_tests_pass() -> None:
    result = runner.invoke(app, ["policy", "test", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "data.palette.sample_test.test_blocked_path_is_denied: PASS" in result.output
    assert "PASS: 4/4" in result.output


def test_failures_errors_and_skips_exit_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "test", str(_write(tmp_path, MIXED))])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "data.p_test.test_big: PASS" in out and "data.p_test.test_wrong: FAIL" in out
    assert "data.p_test.todo_test_later: SKIPPED" in out
    assert "data.p_test.test_error: ERROR" in out and "divide by zero" in out
    assert "PASS: 1/4" in out and "FAIL: 1/4" in out and "ERROR: 1/4" in out and "SKIPPED: 1/4" in out


def test_json_format_and_run_filter(tmp_path: Path) -> None:
    result = runner.invoke(app, ["policy", "test", str(_write(tmp_path, MIXED)), "--format", "json"])
    doc = json.loads(result.output)
    assert result.exit_code == 1
    assert doc["summary"] == {"total": 4, "passed": 1, "failed": 1, "errored": 1, "skipped": 1}
    assert {t["full_name"]: t["status"] for t in doc["tests"]}["data.p_test.test_wrong"] == "fail"
    assert doc["bundle_digest"].startswith("sha256:") and doc["engine"].startswith("regorus")
    only = runner.invoke(app, ["policy", "test", str(tmp_path), "--format", "json", "--run", "test_big$"])
    assert only.exit_code == 0 and [t["name"] for t in json.loads(only.output)["tests"]] == ["test_big"]


def test_syntax_error_exits_2_with_location(tmp_path: Path) -> None:
    _write(tmp_path, {"bad.rego": "package bad\n\nx := {\n"})
    result = runner.invoke(app, ["policy", "test", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path / 'bad.rego'}:4:1:" in result.output
    assert "Traceback" not in result.output


def test_bad_options_exit_2(tmp_path: Path) -> None:
    _write(tmp_path, MIXED)
    for args in (["--format", "xml"], ["--engine", "nope"], ["--run", "("]):
        result = runner.invoke(app, ["policy", "test", str(tmp_path), *args])
        assert result.exit_code == 2, (args, result.output)


def test_the_same_tests_run_on_the_opa_backend(standin) -> None:
    args = ["policy", "test", str(SAMPLE), "--opa-url", standin.url]
    result = runner.invoke(app, args, env={"PALETTE_POLICY_OPA_TOKEN": "t0ken"})
    assert result.exit_code == 0, result.output
    assert "PASS: 4/4" in result.output and "engine: OPA" in result.output


@pytest.mark.skipif(not any(SHIPPED.rglob("*.rego")), reason="no shipped policies in policies/ yet")
def test_shipped_policies_pass_their_unit_tests_and_each_has_tests() -> None:
    bundle = load_bundle([SHIPPED])  # the shipped policies with their *_test.rego unit tests
    report = run_tests(bundle)
    assert report.results
    failures = [(r.full_name, r.status, r.message) for r in report.results if r.status in ("fail", "error")]
    assert not failures
    tests_text = "\n".join(
        src for name, src in bundle.modules.items() if is_test_module(Path(name), bundle.infos[name])
    )
    untested = [pkg for pkg in bundle.packages if f"data.{pkg}" not in tests_text]
    assert not untested, f"shipped policy packages without unit tests: {untested}"
