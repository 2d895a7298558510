"""End to end through the CLI on the bundled fixtures: exit codes, verdicts, evidence, JSON schema."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest

from tests.helpers import FIXTURES, ROOT, json_report

REPORT_SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text())


@pytest.mark.parametrize(
    ("fixture", "code"), [("saas-ok", 0), ("saas-nats-blocked", 1), ("self-hosted-ok", 0), ("self-hosted-no-6443", 1)]
)
def test_exit_codes_and_schema(cli, fixture: str, code: int) -> None:
    exit_code, report = json_report(cli, FIXTURES / fixture)
    assert exit_code == code
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["summary"]["exit_code"] == code


def test_nats_blocked_names_4222_and_the_group_location(cli) -> None:
    _, report = json_report(cli, FIXTURES / "saas-nats-blocked")
    nats = [r for r in report["results"] if r["requirement"] == "saas-agent-nats"]
    assert [r["verdict"] for r in nats] == ["blocked"]
    assert nats[0]["ports"] == "4222"
    layer = next(layer for layer in nats[0]["hops"][0]["layers"] if layer["decision"] == "deny")
    assert layer["points"][0]["file"] == "security_groups.tf"
    assert layer["points"][0]["line"] == 1  # resource "aws_security_group" "workers"
    assert "tcp/4222" in layer["message"]
    assert layer["near_misses"][0]["line"] == 14  # the 443 egress block that almost matched
    finding = next(f for f in report["findings"] if f["id"] == "PP-PATH-BLOCKED")
    assert finding["kind"] == "deny"
    assert finding["requirement"] == "saas-agent-nats"
    assert {"file": "security_groups.tf", "line": 1} in [
        {"file": loc["file"], "line": loc["line"]} for loc in finding["locations"]
    ]
    assert "4222" in finding["message"]
    others = {r["requirement"]: r["verdict"] for r in report["results"] if r["requirement"] != "saas-agent-nats"}
    assert set(others.values()) == {"reachable"}


def test_self_hosted_no_6443_blames_the_workers_ingress(cli) -> None:
    _, report = json_report(cli, FIXTURES / "self-hosted-no-6443")
    api = next(r for r in report["results"] if r["requirement"] == "sh-mgmt-cluster-api")
    assert api["verdict"] == "blocked"
    assert (api["source"], api["destination"]) == ("management", "prod/api")
    layers = api["hops"][0]["layers"]
    assert [layer["decision"] for layer in layers] == ["allow", "deny"]
    assert layers[0]["allowed_by"][0]["file"] == "management.tf"
    assert layers[1]["points"][0] == {
        "kind": "security-group",
        "key": "aws_security_group.workers",
        "name": "palette-workers",
        "file": "workers.tf",
        "line": 1,
        "resource": "aws_security_group.workers",
    }


def test_reachable_paths_cite_the_allowing_rules(cli) -> None:
    _, report = json_report(cli, FIXTURES / "self-hosted-ok")
    nats = next(r for r in report["results"] if r["requirement"] == "sh-agent-nats")
    egress, ingress = nats["hops"][0]["layers"]
    assert (egress["allowed_by"][0]["file"], egress["allowed_by"][0]["line"]) == ("workers.tf", 30)
    assert (ingress["allowed_by"][0]["file"], ingress["allowed_by"][0]["line"]) == ("management.tf", 33)


@pytest.mark.parametrize(
    "fixture", ["saas-ok", "saas-nats-blocked", "self-hosted-ok", "self-hosted-no-6443", "self-hosted-prefix-list"]
)
def test_terraform_cloudformation_describe_and_plan_agree(cli, fixture: str) -> None:
    def verdicts(path):
        code, report = json_report(cli, path)
        return code, sorted((r["requirement"], r["source"], r["destination"], r["verdict"]) for r in report["results"])

    expected = verdicts(FIXTURES / fixture)
    for fmt in ("cloudformation", "describe", "terraform-plan"):
        assert verdicts(FIXTURES / "formats" / fixture / fmt) == expected, fmt


def test_table_output_is_readable(cli) -> None:
    result = cli("validate", FIXTURES / "saas-nats-blocked")
    assert result.exit_code == 1
    assert "saas-agent-nats" in result.stdout and "BLOCKED" in result.stdout
    assert "security_groups.tf:1" in result.stdout
    assert "FAIL" in result.stdout.splitlines()[-1]


def test_fail_on_levels(cli) -> None:
    assert cli("validate", FIXTURES / "saas-nats-blocked", "--fail-on", "none").exit_code == 0
    assert cli("validate", FIXTURES / "self-hosted-ok", "--fail-on", "warn").exit_code == 0
    # saas-ok: nothing the repo declares checks the browser path (PP-PATH-UNENFORCED, a warn)
    assert cli("validate", FIXTURES / "saas-ok", "--fail-on", "warn").exit_code == 1


def test_output_file_is_written(cli, tmp_path) -> None:
    out = tmp_path / "deep" / "report.json"
    result = cli("validate", FIXTURES / "saas-ok", "--format", "json", "--output", out)
    assert result.exit_code == 0
    assert json.loads(out.read_text())["summary"]["verdicts"]["reachable"] == 5


def test_json_is_deterministic(cli) -> None:
    first = cli("validate", FIXTURES / "self-hosted-ok", "--format", "json").stdout
    second = cli("validate", FIXTURES / "self-hosted-ok", "--format", "json").stdout
    assert first == second


def test_console_script_runs_in_a_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "validate", str(FIXTURES / "saas-nats-blocked")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "saas-agent-nats" in proc.stdout
    assert "Traceback" not in proc.stderr
