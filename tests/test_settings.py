"""Where option values come from: command line > PALETTE_POLICY_<OPTION> > config file > default, for every
option of every command; format names and choices; shell completion; a closed stdout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from tests.helpers import FIXTURES, ROOT
from validator.cli import app
from validator.cli.settings import COMMAND_LINE_ONLY, LEGACY_KEYS, option_key

BLOCKED = "saas-nats-blocked"  # one deny finding: exit 1 with fail-on deny, 0 with none


def _repo(tmp_path: Path, fixture: str = BLOCKED) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)  # the config search stops at the repository root
    shutil.copytree(FIXTURES / fixture, repo / "net")
    return repo / "net"


def _commands() -> dict[str, typer.core.TyperCommand]:
    found = {}

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found["_".join(path)] = command

    walk(typer.main.get_command(app), [])
    return found


def test_every_option_has_a_variable_and_a_config_key_or_is_command_line_only() -> None:
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    keys = set(schema["$defs"]["settings"]["properties"])
    sections = {k for k, v in schema["properties"].items() if v.get("$ref") == "#/$defs/section"}
    commands = _commands()
    assert set(commands) <= sections, "a command without a config section in schemas/config.schema.json"
    for name, command in commands.items():
        for param in command.params:
            if param.param_type_name != "option":
                continue
            key = option_key(param)
            assert param.envvar == f"PALETTE_POLICY_{key.upper()}", (name, key)
            assert key in keys or key in COMMAND_LINE_ONLY, f"{name} --{key}: add it to config.schema.json"
            assert key not in keys or key not in COMMAND_LINE_ONLY
    assert set(LEGACY_KEYS.values()) <= keys
    assert "opa_token" not in keys  # a token never comes from a file in the repository


def test_environment_sets_the_format(cli, tmp_path: Path, monkeypatch) -> None:
    net = _repo(tmp_path)
    monkeypatch.setenv("PALETTE_POLICY_FORMAT", "json")
    result = cli("validate", net)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["summary"]["fail_on"] == "deny"


def test_real_process_reads_the_environment(tmp_path: Path) -> None:
    """The Done-when line, as a user types it."""
    env = {**os.environ, "PALETTE_POLICY_FORMAT": "json"}
    proc = subprocess.run(
        [sys.executable, "-m", "validator", "validate", str(FIXTURES / BLOCKED)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["id"] == "PP-PATH-BLOCKED"


def test_precedence_command_line_then_environment_then_file_then_default(cli, tmp_path: Path, monkeypatch) -> None:
    net = _repo(tmp_path)

    def fail_on() -> tuple[int, str]:
        result = cli("validate", net, "-f", "json", *args)
        return result.exit_code, json.loads(result.stdout)["summary"]["fail_on"]

    args: list[str] = []
    assert fail_on() == (1, "deny")  # default
    (net.parent / ".palette-policy.yaml").write_text("fail_on: none\n", encoding="utf-8")
    assert fail_on() == (0, "none")  # file over default
    monkeypatch.setenv("PALETTE_POLICY_FAIL_ON", "warn")
    assert fail_on() == (1, "warn")  # environment over file
    args = ["--fail-on", "none"]
    assert fail_on() == (0, "none")  # command line over environment


def test_a_command_section_wins_over_the_top_level(cli, tmp_path: Path) -> None:
    net = _repo(tmp_path)
    (net.parent / ".palette-policy.yaml").write_text(
        "format: sarif\nfail_on: none\ndiff:\n  format: json\nrequirements:\n  format: json\n", encoding="utf-8"
    )
    validated = cli("validate", net)
    assert validated.exit_code == 0 and json.loads(validated.stdout)["version"] == "2.1.0"  # SARIF
    diffed = cli("diff", net, net)
    assert json.loads(diffed.stdout)["broken"] == 0
    # a value the command cannot take is an error that names the file and line
    (net.parent / ".palette-policy.yaml").write_text("fail_on: none\ndiff:\n  format: sarif\n", encoding="utf-8")
    bad = cli("diff", net, net)
    assert bad.exit_code == 2 and ".palette-policy.yaml:3" in bad.stderr and "format" in bad.stderr


def test_input_explain_and_diff_read_the_same_config_as_validate(cli, tmp_path: Path) -> None:
    net = _repo(tmp_path, "self-hosted-ok")
    (net.parent / ".palette-policy.yaml").write_text("profile: [kubernetes]\n", encoding="utf-8")
    checked = {r["requirement"] for r in json.loads(cli("validate", net, "-f", "json").stdout)["results"]}
    shown = {r["id"] for r in json.loads(cli("input", net).stdout)["requirements"]}
    assert checked == shown and all(r.startswith("k8s-") for r in shown)
    (net.parent / ".palette-policy.yaml").write_text("format: json\n", encoding="utf-8")
    explained = cli("explain", net, "--from", "management", "--to", "workload", "--port", "6443")
    assert isinstance(json.loads(explained.stdout), list)
    assert json.loads(cli("diff", net, net).stdout)["broken"] == 0


def test_explicit_config_file_from_option_or_environment(cli, tmp_path: Path, monkeypatch) -> None:
    net = _repo(tmp_path)
    other = tmp_path / "elsewhere.yaml"
    other.write_text("fail_on: none\n", encoding="utf-8")
    assert cli("validate", net, "--config", other).exit_code == 0
    monkeypatch.setenv("PALETTE_POLICY_CONFIG", str(other))
    assert cli("validate", net).exit_code == 0


def test_a_config_file_that_cannot_be_read_is_one_line(cli, tmp_path: Path, monkeypatch) -> None:
    missing = tmp_path / "nope.yaml"
    for args in (["--config", str(missing)], []):
        if not args:
            monkeypatch.setenv("PALETTE_POLICY_CONFIG", str(missing))
        result = cli("validate", FIXTURES / "saas-ok", *args)
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == (
            f"error: {missing}: cannot read the config file: does not exist (hint: give --config "
            "(or PALETTE_POLICY_CONFIG) a readable .palette-policy.yaml or pyproject.toml)"
        )


def test_pyproject_sections_and_dashed_keys(cli, tmp_path: Path) -> None:
    net = _repo(tmp_path)
    (net.parent / "pyproject.toml").write_text(
        '[tool.palette-policy]\nfail-on = "warn"\n\n[tool.palette-policy.validate]\nfail-on = "none"\n',
        encoding="utf-8",
    )
    assert cli("validate", net).exit_code == 0


def test_list_options_from_the_environment(cli, tmp_path: Path, monkeypatch) -> None:
    net = _repo(tmp_path, "self-hosted-ok")
    monkeypatch.setenv("PALETTE_POLICY_PROFILE", "self-hosted kubernetes")  # names: separated by spaces
    doc = json.loads(cli("validate", net, "-f", "json").stdout)
    assert doc["profiles"] == ["kubernetes", "self-hosted"]  # the report lists them in one order


def test_bad_environment_value_is_a_usage_error(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PALETTE_POLICY_FAIL_ON", "sometimes")
    result = cli("validate", _repo(tmp_path))
    assert result.exit_code == 2 and "PALETTE_POLICY_FAIL_ON" in result.output


@pytest.mark.parametrize(
    ("command", "old", "new"),
    [
        (["requirements", "--profile", "saas"], "text", "table"),
        (["connectivity", str(FIXTURES / "saas-ok")], "txt", "table"),
        (["connectivity", str(FIXTURES / "saas-ok")], "md", "markdown"),
        (["policy", "test", str(ROOT / "policies")], "text", "table"),
    ],
)
def test_old_format_names_are_quiet_aliases(cli, command: list[str], old: str, new: str) -> None:
    before, after = cli(*command, "--format", old), cli(*command, "--format", new)
    timing = re.compile(r"[0-9.]+ ?m?s\b")  # policy test prints how long each test took
    assert before.exit_code == after.exit_code and timing.sub("", before.stdout) == timing.sub("", after.stdout)
    assert before.stderr == after.stderr  # no warning noise


def test_format_choices_are_shown_in_help(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    expected = {
        "validate": "[table|json|sarif|junit|github|markdown|html]",
        "diff": "[table|json|markdown]",
        "explain": "[table|json]",
        "requirements": "[table|json]",
        "connectivity": "[table|json|csv|markdown|dot]",
    }
    for command, choices in expected.items():
        assert choices in cli(command, "--help").stdout, command
    assert "[deny|warn|none]" in cli("validate", "--help").stdout


def test_config_help_keeps_the_pyproject_table_name(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for command in ("validate", "explain", "input", "diff", "requirements"):
        text = cli(command, "--help").stdout
        assert "[tool.palette-policy]" in text, command


def test_shell_completion_is_available() -> None:
    run = [sys.executable, "-m", "validator"]
    help_text = subprocess.run([*run, "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert "--install-completion" in help_text.stdout and "--show-completion" in help_text.stdout
    script = subprocess.run([*run, "--show-completion", "bash"], capture_output=True, text=True)
    assert script.returncode == 0 and "_PALETTE_POLICY_COMPLETE=complete_bash" in script.stdout
    # what bash asks for when the user presses tab after --format
    words = "palette-policy validate . --format "
    env = {**os.environ, "_PALETTE_POLICY_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": "4"}
    probe = "import sys; sys.argv[0] = 'palette-policy'; from validator.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert {"table", "json", "sarif", "github"} <= set(proc.stdout.split()), proc.stdout + proc.stderr


def test_closed_stdout_ends_quietly_with_sigpipe_status() -> None:
    """`palette-policy requirements | head -1`: no message, exit 141 (128 + SIGPIPE) like other Unix tools.
    The reading end is closed before the command writes, so the write fails every time."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "requirements"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_head_sees_the_first_line_and_the_pipeline_ends(tmp_path: Path) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m validator requirements | head -1",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout.startswith("saas") or proc.stdout.strip(), proc.stdout
    assert "Error" not in proc.stderr and "Traceback" not in proc.stderr


def test_help_into_a_closed_pipe_ends_with_sigpipe_status_too() -> None:
    """`palette-policy validate --help | head -1`: like the commands, 141 and nothing on stderr (the help
    printer's own broken-pipe exit is 1); with its reader open the help still exits 0."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "validator", "validate", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert err == ""
    whole = subprocess.run([sys.executable, "-m", "validator", "validate", "--help"], capture_output=True, timeout=60)
    assert whole.returncode == 0 and b"--fail-on" in whole.stdout
