"""validate end to end on every backend: the same report whichever engine evaluates the shipped policies.

The OPA backend runs against the local STAND-IN of OPA's REST API (see opa_standin.py), not a real OPA."""

from __future__ import annotations

import importlib.util
import json

import pytest

from tests.helpers import FIXTURES

FIXTURE = FIXTURES / "saas-proxy-squid-default"


def _token(tmp_path) -> str:
    path = tmp_path / "opa-token"
    path.write_text("t0ken\n", encoding="utf-8")
    return str(path)


def _findings(cli, *args: str) -> list[tuple[str, str, str]]:
    result = cli("validate", FIXTURE, "--format", "json", *args)
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    return sorted((f["kind"], f["id"], f["message"]) for f in report["findings"])


def test_validate_through_the_opa_stand_in_gives_the_embedded_findings(cli, standin, tmp_path) -> None:
    embedded = _findings(cli)
    assert any(f[1] == "PP-PROXY-CONNECT-REFUSED" for f in embedded)
    assert _findings(cli, "--opa-url", standin.url, "--opa-token-file", _token(tmp_path)) == embedded


@pytest.mark.skipif(importlib.util.find_spec("regopy") is None, reason="regopy (optional extra) not installed")
def test_validate_with_regopy_gives_the_embedded_findings(cli) -> None:
    assert _findings(cli, "--engine", "regopy") == _findings(cli)


def _ours(standin) -> tuple[list[str], dict]:
    state = standin.state()
    return [p for p in state["policies"] if p.startswith("palette-policy/")], state["data"].get(
        "palette_policy_runs", {}
    )


def test_token_comes_from_the_environment_or_a_file_never_the_command_line(cli, standin, monkeypatch, tmp_path) -> None:
    refused = cli("validate", FIXTURE, "--opa-url", standin.url, "--opa-token", "t0ken")
    assert refused.exit_code == 2 and "PALETTE_POLICY_OPA_TOKEN" in refused.stderr
    assert not standin.state()["requests"] or _ours(standin) == ([], {})
    embedded = _findings(cli)
    token = tmp_path / "token"
    token.write_text("t0ken\n", encoding="utf-8")
    assert _findings(cli, "--opa-url", standin.url, "--opa-token-file", token) == embedded
    monkeypatch.setenv("PALETTE_POLICY_OPA_TOKEN", "t0ken")
    monkeypatch.setenv("PALETTE_POLICY_OPA_URL", standin.url)
    assert _findings(cli) == embedded  # both from the environment
    both = cli("validate", FIXTURE, "--opa-token-file", token)
    assert both.exit_code == 2 and "keep one" in both.stderr
    assert _ours(standin) == ([], {})  # every run removed what it uploaded


def test_several_outputs_come_from_one_engine_run(cli, standin, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PALETTE_POLICY_OPA_TOKEN", "t0ken")
    sarif, report = tmp_path / "a.sarif", tmp_path / "b.json"
    result = cli("validate", FIXTURE, "--opa-url", standin.url, "-o", f"sarif={sarif}", "-o", f"json={report}")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""  # only FORMAT=PATH outputs: nothing else printed
    requests = standin.state()["requests"]
    uploads = [r for r in requests if r[0] == "PUT" and r[1].startswith("/v1/data/")]
    queries = [r for r in requests if r[0] == "POST" and r[1].startswith("/v1/data/")]
    packages = json.loads(report.read_text())["findings"]
    assert len(uploads) == 1  # one evaluation: the data and policies went up once
    assert len(queries) == len({q[1] for q in queries})  # each package asked once
    doc = json.loads(sarif.read_text())
    by_sarif = sorted(r["ruleId"] for r in doc["runs"][0]["results"])
    assert by_sarif == sorted(f["id"] for f in packages) and by_sarif


def test_an_evaluation_that_fails_midway_leaves_nothing_on_the_server(cli, standin, monkeypatch, tmp_path) -> None:
    policy = tmp_path / "rego"
    policy.mkdir()
    (policy / "boom.rego").write_text(
        'package zzz.boom\n\nimport rego.v1\n\ndeny contains "never" if {\n\tx := 1 / 0\n\tx > 0\n}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PALETTE_POLICY_OPA_TOKEN", "t0ken")
    result = cli("validate", FIXTURE, "--opa-url", standin.url, "--policy", policy)
    assert result.exit_code == 2 and "divide by zero" in result.stderr, result.stderr
    requests = standin.state()["requests"]
    assert any(r[0] == "PUT" and "boom.rego" in r[1] for r in requests)  # it was uploaded...
    assert any(r[0] == "DELETE" and "boom.rego" in r[1] for r in requests)  # ...and removed after the error
    assert _ours(standin) == ([], {})
