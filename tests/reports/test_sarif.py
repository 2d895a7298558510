"""SARIF 2.1.0: valid against the official OASIS schema, real levels, repo-relative paths, stable ids."""

from __future__ import annotations

import json
from pathlib import Path

from report_helpers import FIXTURES, ROOT, assert_valid_sarif, copy_fixture, open_world_ssh


def sarif(cli, *args: str) -> tuple[int, dict]:
    result = cli("validate", *args, "--format", "sarif")
    return result.exit_code, json.loads(result.stdout)


def test_blocked_fixture_is_valid_sarif_with_repo_relative_location(cli) -> None:
    code, doc = sarif(cli, FIXTURES / "saas-nats-blocked")
    assert code == 1
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PP-PATH-BLOCKED", "PP-PATH-UNENFORCED"]  # the browser path: nothing checks it
    rule = rules[0]
    assert rule["properties"]["security-severity"] == "9.5"
    assert "NIST SP 800-53 SC-7 (boundary protection)" in rule["properties"]["controls"]
    assert rule["help"]["text"].startswith("Allow tcp/4222")
    result = next(r for r in run["results"] if r["ruleId"] == "PP-PATH-BLOCKED")
    assert result["level"] == "error"
    physical = result["locations"][0]["physicalLocation"]
    # the tool ran from the repo root on fixtures/…: the path must be relative to the git top-level
    assert physical["artifactLocation"] == {
        "uri": "fixtures/saas-nats-blocked/security_groups.tf",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"]["startLine"] == 1
    assert (ROOT / physical["artifactLocation"]["uri"]).is_file()
    assert "NIST SP 800-53" in result["message"]["text"]


def test_warn_and_deny_get_distinct_rules_and_real_levels(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    open_world_ssh(net)
    code, doc = sarif(cli, net, "--sarif-root", tmp_path)
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == sorted(set(ids)) == ["PP-EXPOSED-PORT", "PP-PATH-BLOCKED", "PP-PATH-UNENFORCED"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"PP-EXPOSED-PORT": "warning", "PP-PATH-BLOCKED": "error", "PP-PATH-UNENFORCED": "warning"}
    for r in run["results"]:
        assert run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        where = "palette-network.yaml" if r["ruleId"] == "PP-PATH-UNENFORCED" else "security_groups.tf"
        assert uri == f"saas-nats-blocked/{where}"
    exposure = next(r for r in run["results"] if r["ruleId"] == "PP-EXPOSED-PORT")
    assert exposure["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert any("CIS AWS Foundations" in c for c in exposure["properties"]["controls"])


def test_rerun_is_byte_identical_and_fingerprints_survive_line_moves(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    open_world_ssh(net)
    first = cli("validate", net, "-f", "sarif", "--sarif-root", tmp_path).stdout
    assert cli("validate", net, "-f", "sarif", "--sarif-root", tmp_path).stdout == first
    tf = net / "security_groups.tf"
    tf.write_text("# a comment that moves every line down\n\n" + tf.read_text())
    moved = json.loads(cli("validate", net, "-f", "sarif", "--sarif-root", tmp_path).stdout)
    before = json.loads(first)

    def prints(doc: dict) -> dict[str, str]:
        return {r["ruleId"]: r["partialFingerprints"]["palettePolicyFinding/v1"] for r in doc["runs"][0]["results"]}

    def lines(doc: dict) -> dict[str, int]:
        return {
            r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in doc["runs"][0]["results"]
        }

    assert prints(moved) == prints(before)
    moved_in_tf = [k for k in lines(before) if k != "PP-PATH-UNENFORCED"]  # located in the topology, not moved
    assert moved_in_tf and all(lines(moved)[k] == lines(before)[k] + 2 for k in moved_in_tf)
    assert len(set(prints(before).values())) == 3


def test_clean_network_gives_valid_sarif_with_no_results(cli) -> None:
    code, doc = sarif(cli, FIXTURES / "self-hosted-ok")
    assert code == 0
    assert_valid_sarif(doc)
    assert doc["runs"][0]["results"] == []


def test_the_validator_catches_a_broken_sarif_document() -> None:
    """The schema check is real: a wrong level and a missing message are rejected."""
    import pytest

    bad = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "A", "level": "fatal"}]}],
    }
    with pytest.raises(AssertionError):
        assert_valid_sarif(bad)
