"""Several outputs from one run (`-o FORMAT=PATH`), the single `--format/--output` case, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from tests.helpers import FIXTURES

BLOCKED = FIXTURES / "saas-nats-blocked"


def test_every_format_in_one_run_matches_the_single_runs(cli, tmp_path: Path) -> None:
    files = {fmt: tmp_path / f"out.{fmt}" for fmt in ("sarif", "json", "junit", "markdown", "html", "table")}
    args = [a for fmt, path in files.items() for a in ("-o", f"{fmt}={path}")]
    result = cli("validate", BLOCKED, *args, "-o", "github=-")
    assert result.exit_code == 1
    assert result.stdout == cli("validate", BLOCKED, "-f", "github").stdout  # stdout carries only github
    for fmt, path in files.items():
        assert path.read_text(encoding="utf-8") == cli("validate", BLOCKED, "-f", fmt).stdout, fmt
    findings = [f["id"] for f in json.loads(files["json"].read_text())["findings"]]
    sarif = json.loads(files["sarif"].read_text())["runs"][0]["results"]
    # nothing checks the browser path of this fixture: PP-PATH-UNENFORCED
    assert findings == ["PP-PATH-BLOCKED", "PP-PATH-UNENFORCED"] and [r["ruleId"] for r in sarif] == findings
    etree.fromstring(files["junit"].read_bytes())  # well-formed


def test_single_case_and_aliases_still_work(cli, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    assert cli("validate", BLOCKED, "--format", "md", "--output", target).exit_code == 1
    assert target.read_text().startswith("## palette-policy")
    plain = tmp_path / "plain.json"  # a plain FILE beside FORMAT=PATH outputs takes --format
    cli("validate", BLOCKED, "-f", "json", "-o", plain, "-o", f"sarif={tmp_path / 'x.sarif'}")
    assert json.loads(plain.read_text())["summary"]["exit_code"] == 1 and (tmp_path / "x.sarif").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "xml=a.xml"], "unknown format 'xml'"),
        (["-o", "a.json", "-o", "b.json"], "2 plain files"),
        (["-o", "json=-", "-o", "sarif=-"], "both go to stdout"),
        (["-o", "json={tmp}/same", "-o", "sarif={tmp}/same"], "both go to"),
        (["-f", "json", "-o", "sarif={tmp}/a.sarif"], "-o json=-"),
        (["-o", "csv=a.csv"], "unknown format 'csv'"),  # a format of another command
    ],
)
def test_output_mistakes_are_one_line_errors_and_write_nothing(cli, tmp_path: Path, args, message) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    result = cli("validate", BLOCKED, *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_file_whose_name_has_an_equals_sign(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli("validate", BLOCKED, "-f", "json", "-o", "./json=odd").exit_code == 1
    assert json.loads((tmp_path / "json=odd").read_text())["summary"]["exit_code"] == 1


def test_outputs_from_the_environment(cli, tmp_path: Path, monkeypatch) -> None:
    a, b = tmp_path / "a.sarif", tmp_path / "b.md"
    monkeypatch.setenv("PALETTE_POLICY_OUTPUT", f"sarif={a}\nmarkdown={b}")  # spaces or newlines between
    result = cli("validate", BLOCKED)
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(a.read_text())["version"] == "2.1.0" and b.read_text().startswith("## palette-policy")


def test_diff_writes_several_outputs_and_fails_on_new_findings(cli, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    ok, blocked = FIXTURES / "saas-ok", BLOCKED
    result = cli("diff", ok, blocked, "-o", f"markdown={summary}", "-o", "json=-")
    doc = json.loads(result.stdout)
    assert summary.read_text().startswith("## palette-policy diff")
    assert [f["id"] for f in doc["findings"] if f["change"] == "appeared"] == ["PP-PATH-BLOCKED"]
    assert result.exit_code == (1 if doc["broken"] else 0)
    assert cli("diff", ok, blocked, "--fail-on", "deny").exit_code == 1  # a deny finding appeared
    assert cli("diff", blocked, ok, "--fail-on", "deny").exit_code == 0  # it disappeared


def test_diff_takes_data_and_waivers(cli, tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - id: PP-PATH-BLOCKED\n    reason: moving to 443\n    owner: a@example.com\n"
        "    expires: 2999-01-01\n",
        encoding="utf-8",
    )
    waived = json.loads(cli("diff", FIXTURES / "saas-ok", BLOCKED, "--waivers", waivers, "-f", "json").stdout)
    assert [f["id"] for f in waived["findings"]] == []  # a waived finding neither appears nor fails
    policy = tmp_path / "rego"
    policy.mkdir()
    (policy / "house.rego").write_text(
        "package house\n\nimport rego.v1\n\n"
        'deny contains {"msg": sprintf("%s is watched", [r.requirement]), "id": "HOUSE-1"} if {\n'
        '\tsome r in input.results\n\tr.verdict == "blocked"\n\tr.requirement in data.house.watched\n}\n',
        encoding="utf-8",
    )
    data = tmp_path / "house.yaml"
    data.write_text("house:\n  watched: [saas-agent-nats]\n", encoding="utf-8")

    def appeared(*args) -> list[str]:
        out = cli("diff", FIXTURES / "saas-ok", BLOCKED, "--policy", policy, "-f", "json", *args).stdout
        return sorted(f["id"] for f in json.loads(out)["findings"] if f["change"] == "appeared")

    assert appeared() == ["PP-PATH-BLOCKED"]
    assert appeared("--data", data) == ["HOUSE-1", "PP-PATH-BLOCKED"]


def test_connectivity_outputs(cli, tmp_path: Path) -> None:
    dot = tmp_path / "graph.dot"
    result = cli("connectivity", FIXTURES / "saas-ok", "-o", f"dot={dot}", "-o", "csv=-")
    assert result.exit_code == 0 and dot.read_text().startswith("digraph")
    assert result.stdout == cli("connectivity", FIXTURES / "saas-ok", "-f", "csv").stdout


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_report_files_honour_the_umask(cli, tmp_path: Path, mask: int) -> None:
    import os

    old = os.umask(mask)
    try:
        cli("validate", BLOCKED, "-o", f"sarif={tmp_path / 'a.sarif'}", "-o", f"json={tmp_path / 'b.json'}")
    finally:
        os.umask(old)
    for name in ("a.sarif", "b.json"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def test_every_format_has_a_renderer() -> None:
    from validator.report import FORMATS, renderer

    assert all(callable(renderer(name)) for name in FORMATS)
