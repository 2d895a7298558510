"""Runs without a topology: what needs none still runs (exposed ports, input issues), and PP-NO-TOPOLOGY says
that no required path was checked and how to start."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import FIXTURES, ROOT, json_report, schema_validator


def without_topology(tmp_path: Path, fixture: str) -> Path:
    net = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, net)
    (net / "palette-network.yaml").unlink()
    return net


def test_exposures_are_still_found_and_no_topology_is_a_warning(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, "saas-ok")
    tf = net / "security_groups.tf"
    # the operators' SSH rule opened to the world: an exposure that needs no topology to see
    tf.write_text(tf.read_text().replace("cidr_blocks = [var.operator_cidr]", 'cidr_blocks = ["0.0.0.0/0"]'))
    code, report = json_report(cli, net)
    schema_validator("report.schema.json").validate(report)
    assert code == 0  # warnings only: exit by --fail-on as usual
    assert report["topology"] is None and report["results"] == [] and report["unbound"] == []
    ids = {f["id"]: f for f in report["findings"]}
    assert set(ids) == {"PP-NO-TOPOLOGY", "PP-EXPOSED-PORT"}
    assert ids["PP-NO-TOPOLOGY"]["kind"] == "warn"
    assert "no required Palette path was checked" in ids["PP-NO-TOPOLOGY"]["message"]
    assert "palette-policy init" in ids["PP-NO-TOPOLOGY"]["remediation"]
    exposed = ids["PP-EXPOSED-PORT"]
    assert (exposed["locations"][0]["file"], exposed["locations"][0]["line"]) == ("security_groups.tf", 6)
    assert cli("validate", net, "--fail-on", "warn").exit_code == 1


def test_table_says_nothing_required_was_checked(cli, tmp_path: Path) -> None:
    result = cli("validate", without_topology(tmp_path, "self-hosted-ok"))
    assert result.exit_code == 0
    assert result.stdout.startswith("NO TOPOLOGY")
    assert "PP-NO-TOPOLOGY" in result.stdout and "PP-PATH" not in result.stdout


def test_explicit_profiles_are_named_as_unchecked(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, "self-hosted-ok")
    code, report = json_report(cli, net, "--profile", "self-hosted")
    assert code == 0 and report["profiles"] == ["self-hosted"]
    (finding,) = [f for f in report["findings"] if f["id"] == "PP-NO-TOPOLOGY"]
    assert "none of the 8 required paths of profile(s) self-hosted was checked" in finding["message"]


def test_every_format_renders_without_a_topology(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, "saas-nats-blocked")
    for fmt in ("table", "json", "sarif", "junit", "github", "markdown", "html"):
        result = cli("validate", net, "--format", fmt)
        assert result.exit_code == 0, (fmt, result.stderr)
        assert "PP-NO-TOPOLOGY" in result.stdout, fmt


def test_policy_input_says_topology_null(tmp_path: Path) -> None:
    from validator.cli.pipeline import Options, run

    report = run(Options(path=without_topology(tmp_path, "saas-ok")))
    assert report.input_doc["topology"] is None
    schema_validator("input.schema.json").validate(report.input_doc)


def test_commands_that_follow_a_path_still_need_a_topology(cli, tmp_path: Path) -> None:
    net = without_topology(tmp_path, "saas-ok")
    result = cli("explain", net, "--from", "workload", "--to", "management", "--port", "443")
    assert result.exit_code == 2
    assert "no palette-network.yaml" in result.stderr and "palette-policy init" in result.stderr


def test_a_folder_with_nothing_to_check_is_an_input_error(cli, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# nothing here\n")
    result = cli("validate", tmp_path)
    assert result.exit_code == 2 and "nothing to check" in result.stderr


def test_networkpolicy_facts_without_a_topology(cli, tmp_path: Path) -> None:
    # netpol-analyzer's minimal_test_in_ns: two deployments, one policy selecting app: a-app for ingress only;
    # netpol-analyzer's own connlist for it (expected/) lists the connections the policies allow
    case = ROOT / "tests" / "oracles" / "netpol-analyzer" / "minimal_test_in_ns"
    shutil.copytree(case / "input", tmp_path / "net" / "k8s")
    code, report = json_report(cli, tmp_path / "net")
    assert code == 0
    expected = [line for line in next((case / "expected").glob("*.txt")).read_text().splitlines() if line.strip()]
    assert report["networkpolicies"] == [
        {
            "folder": "k8s",
            "files": 2,
            "namespaces": 1,
            "workloads": 2,
            "policies": 1,
            "isolated_ingress": 1,
            "isolated_egress": 0,
            "connections": len(expected),
        }
    ]
    table = cli("validate", tmp_path / "net").stdout
    assert f"k8s: 2 workloads, 1 policies; ingress of 1 and egress of 0 workloads isolated; {len(expected)}" in table
