"""`diff` between two folders or against a git ref; `.palette-policy.yaml` / pyproject defaults."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from report_helpers import FIXTURES, copy_fixture


def test_diff_reports_the_path_broken_between_two_fixtures(cli) -> None:
    result = cli("diff", FIXTURES / "self-hosted-ok", FIXTURES / "self-hosted-no-6443", "-f", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(p["requirement"], p["binding"], p["before"], p["after"], p["broken"]) for p in doc["paths"]] == [
        ("sh-mgmt-cluster-api", "management -> prod/api", "reachable", "blocked", True)
    ]
    assert [(f["change"], f["id"]) for f in doc["findings"]] == [("appeared", "PP-PATH-BLOCKED")]
    table = cli("diff", FIXTURES / "self-hosted-ok", FIXTURES / "self-hosted-no-6443")
    assert "BROKEN" in table.stdout and table.exit_code == 1
    markdown = cli("diff", FIXTURES / "self-hosted-ok", FIXTURES / "self-hosted-no-6443", "-f", "markdown")
    assert "❌ breaks required paths" in markdown.stdout and "| **broken** |" in markdown.stdout


def test_diff_fixing_a_path_is_not_a_break(cli) -> None:
    result = cli("diff", FIXTURES / "self-hosted-no-6443", FIXTURES / "self-hosted-ok", "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["broken"] == 0 and doc["paths"][0]["after"] == "reachable"
    assert [(f["change"], f["id"]) for f in doc["findings"]] == [("disappeared", "PP-PATH-BLOCKED")]


def test_diff_shows_exposures_appearing(cli, tmp_path: Path) -> None:
    head = copy_fixture("saas-ok", tmp_path)
    tf = head / "security_groups.tf"
    tf.write_text(tf.read_text().replace("cidr_blocks = [var.operator_cidr]", 'cidr_blocks = ["0.0.0.0/0"]'))
    doc = json.loads(cli("diff", FIXTURES / "saas-ok", head, "-f", "json").stdout)
    assert [(f["change"], f["id"]) for f in doc["findings"]] == [("appeared", "PP-EXPOSED-PORT")]
    assert doc["exit_code"] == 0  # an exposure is reported, not a broken path


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_against_a_git_ref(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    net = repo / "infra"
    shutil.copytree(FIXTURES / "self-hosted-ok", net)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(repo), *args],
            check=True,
            capture_output=True,
            env={
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.com",
                "HOME": str(tmp_path),
                "PATH": "/usr/bin:/bin",
            },
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    for name in ("workers.tf", "management.tf"):
        shutil.copy(FIXTURES / "self-hosted-no-6443" / name, net / name)
    result = cli("diff", "--git-base", "HEAD", net, "-f", "json")
    assert result.exit_code == 1, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["paths"][0]["requirement"] == "sh-mgmt-cluster-api" and doc["paths"][0]["broken"]
    bad = cli("diff", "--git-base", "no-such-ref", net)
    assert bad.exit_code == 2 and "no-such-ref" in bad.stderr


def _repo(tmp_path: Path, fixture: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".git").mkdir()  # a repository root for the config search
    return copy_fixture(fixture, repo)


def test_config_file_sets_format_and_fail_on(cli, tmp_path: Path) -> None:
    net = _repo(tmp_path, "saas-nats-blocked")
    (net.parent / ".palette-policy.yaml").write_text("format: json\nfail_on: none\n", encoding="utf-8")
    result = cli("validate", net)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["fail_on"] == "none"
    override = cli("validate", net, "--format", "table", "--fail-on", "deny")
    assert override.exit_code == 1 and override.stdout.startswith("REQUIREMENT")


def test_pyproject_tool_table_and_relative_policy_dir(cli, tmp_path: Path) -> None:
    net = _repo(tmp_path, "saas-ok")
    policies = net.parent / "rego"
    policies.mkdir()
    (policies / "mine.rego").write_text(
        'package mine\n\nimport rego.v1\n\ndeny contains {"msg": "house rule", "id": "HOUSE-1"} if { true }\n',
        encoding="utf-8",
    )
    (net.parent / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.palette-policy]\npolicy_dirs = ["rego"]\nformat = "json"\n', encoding="utf-8"
    )
    doc = json.loads(cli("validate", net).stdout)
    assert [f["id"] for f in doc["findings"]] == [
        "HOUSE-1",
        "PP-PATH-UNENFORCED",
    ]  # the browser path: nothing checks it


def test_bad_config_is_located(cli, tmp_path: Path) -> None:
    net = _repo(tmp_path, "saas-ok")
    (net.parent / ".palette-policy.yaml").write_text("format: json\nfail_on: sometimes\n", encoding="utf-8")
    result = cli("validate", net)
    assert result.exit_code == 2 and ".palette-policy.yaml:2" in result.stderr and "fail_on" in result.stderr
    (net.parent / ".palette-policy.yaml").unlink()
    (net.parent / "pyproject.toml").write_text('[tool.palette-policy]\ncolour = "red"\n', encoding="utf-8")
    result = cli("validate", net)
    assert result.exit_code == 2 and "pyproject.toml:1" in result.stderr and "colour" in result.stderr


def test_no_progress_output_when_not_a_terminal(cli) -> None:
    result = cli("validate", FIXTURES / "self-hosted-ok")
    assert "palette-policy:" not in result.stdout + result.stderr  # the spinner never reaches a pipe


def test_shipped_examples_and_hook_definitions_are_valid() -> None:
    import yaml
    from report_helpers import ROOT

    from validator.ingest.config import load_config
    from validator.ingest.waivers import load_waivers

    examples = ROOT / "docs" / "examples"
    assert load_waivers(examples / "palette-policy-waivers.yaml")[0].owner == "netops@example.com"
    assert load_config(examples / "palette-policy.yaml").get("fail_on") == "deny"
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    assert hook["id"] == "palette-policy" and hook["entry"] == "palette-policy validate"
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert any("upload-sarif" in str(step.get("uses", "")) for step in action["runs"]["steps"])
