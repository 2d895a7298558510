"""Waivers: a matched finding stops failing the run but stays listed; expired and stale waivers are reported."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from report_helpers import assert_valid_junit, assert_valid_sarif, copy_fixture, waivers_file

FUTURE = "2999-12-31"
PAST = "2020-01-31"


def nats_waiver(expires: str, **scope: str) -> dict[str, str]:
    return {
        "id": "PP-PATH-BLOCKED",
        "requirement": "saas-agent-nats",
        **scope,
        "reason": "NATS moves to gRPC over 443 next sprint",
        "owner": "netops@example.com",
        "expires": expires,
    }


def test_waived_finding_does_not_fail_and_is_listed_in_every_format(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    waivers_file(net / ".palette-policy-waivers.yaml", [nats_waiver(FUTURE, cluster="prod")])
    table = cli("validate", net)
    assert table.exit_code == 0, table.stdout
    assert "WAIVED PP-PATH-BLOCKED" in table.stdout and "netops@example.com" in table.stdout
    doc = json.loads(cli("validate", net, "-f", "json").stdout)
    finding, unenforced = doc["findings"]  # the browser path, which nothing checks, is not waived
    assert unenforced["id"] == "PP-PATH-UNENFORCED" and "waived" not in unenforced
    assert finding["waived"]["owner"] == "netops@example.com"
    assert finding["waived"]["source"] == ".palette-policy-waivers.yaml:2"
    assert doc["summary"]["findings"]["waived"] == 1 and doc["summary"]["exit_code"] == 0
    assert doc["waivers"]["stale"] == [] and doc["waivers"]["expired"] == []
    sarif = json.loads(cli("validate", net, "-f", "sarif").stdout)
    assert_valid_sarif(sarif)
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "PP-PATH-BLOCKED")
    assert result["suppressions"][0]["kind"] == "external"
    assert "NATS moves to gRPC" in result["suppressions"][0]["justification"]
    junit = cli("validate", net, "-f", "junit").stdout
    assert_valid_junit(junit)
    nats = next(c for c in ET.fromstring(junit).iter("testcase") if c.get("name", "").startswith("saas-agent-nats"))
    assert nats.find("failure") is None and "waived" in (nats.find("skipped").get("message") or "")  # type: ignore[union-attr]
    assert "::notice" in cli("validate", net, "-f", "github").stdout.splitlines()[0]
    assert "| waived | PP-PATH-BLOCKED" in cli("validate", net, "-f", "markdown").stdout
    assert 'data-kind="waived"' in cli("validate", net, "-f", "html").stdout


def test_expired_waiver_no_longer_waives_and_is_reported(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    waivers_file(net / ".palette-policy-waivers.yaml", [nats_waiver(PAST)])
    result = cli("validate", net)
    assert result.exit_code == 1
    assert "EXPIRED PP-PATH-BLOCKED" in result.stdout and "DENY  PP-PATH-BLOCKED" in result.stdout
    doc = json.loads(cli("validate", net, "-f", "json").stdout)
    assert "waived" not in doc["findings"][0]
    assert doc["waivers"]["expired"][0]["expires"] == PAST
    github = cli("validate", net, "-f", "github").stdout.splitlines()
    assert any(x.startswith("::warning ") and "expired" in x for x in github)


def test_waiver_matching_nothing_is_stale(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    path = waivers_file(
        tmp_path / "w.yaml", [nats_waiver(FUTURE, cluster="staging"), {**nats_waiver(FUTURE), "id": "PP-EXPOSED-*"}]
    )
    result = cli("validate", net, "--waivers", path)
    assert result.exit_code == 1  # the wrong-cluster waiver does not match
    doc = json.loads(cli("validate", net, "--waivers", path, "-f", "json").stdout)
    assert [w["scope"].get("cluster") for w in doc["waivers"]["stale"]] == ["staging", None]
    assert "STALE" in result.stdout
    assert cli("validate", net, "--waivers", path, "--no-waivers").exit_code == 1


def test_glob_and_file_scope(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    waivers_file(
        net / ".palette-policy-waivers.yaml",
        [
            {
                "id": "PP-PATH-*",
                "file": "security_*.tf",
                "resource": "aws_security_group.workers",
                "reason": "accepted",
                "owner": "me",
                "expires": FUTURE,
            }
        ],
    )
    assert cli("validate", net).exit_code == 0


def test_bad_waiver_file_is_located(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    (net / ".palette-policy-waivers.yaml").write_text(
        "waivers:\n  - id: PP-PATH-BLOCKED\n    reason: because\n    expires: 2999-01-01\n", encoding="utf-8"
    )
    result = cli("validate", net)
    assert result.exit_code == 2
    assert ".palette-policy-waivers.yaml:2" in result.stderr and "owner" in result.stderr
    (net / ".palette-policy-waivers.yaml").write_text(
        "waivers:\n  - id: X\n    reason: because\n    owner: me\n    expires: soon\n", encoding="utf-8"
    )
    result = cli("validate", net)
    assert result.exit_code == 2 and ".palette-policy-waivers.yaml:5" in result.stderr and "expires" in result.stderr


def test_a_policy_cannot_mark_its_own_finding_waived(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    rego = tmp_path / "rego"
    rego.mkdir()
    (rego / "sneaky.rego").write_text(
        'package sneaky\n\nimport rego.v1\n\ndeny contains {"msg": "bad", "id": "X-1", '
        '"waived": {"reason": "trust me"}} if { true }\n',
        encoding="utf-8",
    )
    result = cli("validate", net, "--policy", rego, "-f", "json")
    assert result.exit_code == 1
    assert "waived" not in json.loads(result.stdout)["findings"][0]
