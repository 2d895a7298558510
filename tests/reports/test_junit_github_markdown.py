"""JUnit XML (valid against the Jenkins JUnit XSD), GitHub workflow commands, the Markdown summary."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from report_helpers import FIXTURES, assert_valid_junit, copy_fixture, open_world_ssh

from validator.report.github import command, escape_data, escape_property


def test_junit_one_case_per_path_blocked_is_a_failure_with_evidence(cli) -> None:
    result = cli("validate", FIXTURES / "saas-nats-blocked", "--format", "junit")
    assert result.exit_code == 1
    assert_valid_junit(result.stdout)
    root = ET.fromstring(result.stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == 5  # one per requirement × binding of the saas profile
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["saas-agent-nats: prod -> management tcp/4222"]
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("type") == "blocked"
    assert "security_groups.tf:1" in (failure.get("message") or "")
    assert "NIST SP 800-53 SC-7" in (failure.text or "")
    assert root.get("tests") == "5" and root.get("failures") == "1"


def test_junit_optional_blocked_path_is_skipped(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    tf = net / "security_groups.tf"
    text = tf.read_text()
    start = text.index("  ingress {")
    tf.write_text(text[:start] + text[text.index("  egress {") :])  # no SSH rule: the optional path is blocked
    result = cli("validate", net, "--format", "junit")
    assert_valid_junit(result.stdout)
    root = ET.fromstring(result.stdout)
    ssh = next(c for c in root.iter("testcase") if c.get("name", "").startswith("saas-ssh"))
    skipped = ssh.find("skipped")
    assert skipped is not None and "optional path blocked" in (skipped.get("message") or "")
    assert not any(c.find("failure") is not None for c in root.iter("testcase"))
    assert cli("validate", net, "--format", "junit").stdout == result.stdout  # deterministic


def test_junit_xsd_rejects_a_malformed_report() -> None:
    import pytest

    with pytest.raises(AssertionError):
        assert_valid_junit('<testsuites><testsuite name="x"><testcase/></testsuite></testsuites>')


def test_github_escaping_follows_the_runner_rules() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "x: y, z\nw", file="dir/a,b.tf", line=3, title="T: 1, 2")
    assert line == "::error file=dir/a%2Cb.tf,line=3,title=T%3A 1%2C 2::x: y, z%0Aw"


def test_github_annotations_point_at_repo_paths(cli, tmp_path: Path) -> None:
    result = cli("validate", FIXTURES / "saas-nats-blocked", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    error = next(x for x in lines if x.startswith("::error "))
    match = re.match(r"::error file=([^,]+),line=(\d+),title=([^:]+)::(.*)$", error)
    assert match, error
    assert match.group(1) == "fixtures/saas-nats-blocked/security_groups.tf"
    assert match.group(2) == "1"
    assert "PP-PATH-BLOCKED" in match.group(3)
    assert "%0A" in match.group(4) and "\n" not in match.group(4)
    assert lines[-1].startswith("::notice title=palette-policy::") and "FAIL" in lines[-1]
    net = copy_fixture("saas-nats-blocked", tmp_path)
    open_world_ssh(net)
    warn = [x for x in cli("validate", net, "-f", "github").stdout.splitlines() if x.startswith("::warning ")]
    exposed = [x for x in warn if "PP-EXPOSED-PORT" in x]
    assert len(exposed) == 1 and "line=6" in exposed[0]
    assert len(warn) == 2 and any("PP-PATH-UNENFORCED" in x for x in warn)  # the browser path: nothing checks it


def test_markdown_summary_has_table_controls_and_coloured_mermaid(cli) -> None:
    result = cli("validate", FIXTURES / "self-hosted-no-6443", "--format", "markdown")
    assert result.exit_code == 1
    text = result.stdout
    assert text.startswith("## palette-policy: ❌ FAIL")
    row = next(x for x in text.splitlines() if x.startswith("| sh-mgmt-cluster-api "))
    assert "**blocked**" in row and "tcp/6443" in row
    assert "NIST SP 800-53 SC-7" in text
    mermaid = text[text.index("```mermaid") :]
    edges = [x.strip() for x in mermaid.splitlines() if "-->" in x or "-.->" in x]
    styles = [x.strip() for x in mermaid.splitlines() if x.strip().startswith("linkStyle")]
    assert len(edges) == len(styles) > 3
    blocked = [i for i, e in enumerate(edges) if "blocked" in e]
    assert blocked and all("#d32f2f" in styles[i] for i in blocked)
    reachable = [i for i, e in enumerate(edges) if ' reachable"|' in e]
    assert reachable and all("#2e7d32" in styles[i] for i in reachable)
