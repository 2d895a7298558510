"""Evidence bundles: deterministic apart from the timestamp; verify catches any changed, missing or added file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_helpers import copy_fixture


def bundle(cli, net: Path, out: Path) -> None:
    result = cli("validate", net, "--evidence", out)
    assert (out / "manifest.json").is_file(), result.stdout + result.stderr


def test_two_runs_give_identical_bundles_apart_from_the_timestamp(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    bundle(cli, net, tmp_path / "a")
    bundle(cli, net, tmp_path / "b")
    for name in ("report.json", "report.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    one = json.loads((tmp_path / "a" / "manifest.json").read_text())
    two = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert one.pop("created_utc").endswith("Z") and two.pop("created_utc")
    one.pop("bundle_sha256"), two.pop("bundle_sha256")  # the manifest's own digest covers the timestamp too
    assert one == two
    files = {f["path"] for f in one["inputs"]["files"]}
    assert files == {"palette-network.yaml", "security_groups.tf", "variables.tf"}
    policies = {p["path"] for p in one["policies"]["files"]}
    assert policies >= {"policies/palette/paths.rego", "policies/data/controls.yaml"}
    assert one["profiles"][0]["path"] == "policies/profiles/saas.yaml"
    assert one["engine"]["name"] == "regorus" and one["python"].count(".") == 2
    assert one["command_line"][0] == "palette-policy" and one["options"]["fail_on"] == "deny"
    report = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["findings"][0]["controls"]  # controls carried into the audit report


@pytest.mark.parametrize("victim", ["palette-network.yaml", "security_groups.tf", "variables.tf"])
def test_verify_detects_a_one_byte_change_to_any_input(cli, tmp_path: Path, victim: str) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    bundle(cli, net, tmp_path / "ev")
    ok = cli("evidence", "verify", tmp_path / "ev")
    assert ok.exit_code == 0, ok.stdout
    data = bytearray((net / victim).read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit of one byte
    (net / victim).write_bytes(bytes(data))
    result = cli("evidence", "verify", tmp_path / "ev")
    assert result.exit_code == 1
    assert f"changed: input: {victim}" in result.stdout


def test_verify_reports_missing_and_added_files_and_tampered_reports(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, ev)
    (net / "variables.tf").unlink()
    (net / "extra.tf").write_text("# new\n")
    html = ev / "report.html"
    html.write_text(html.read_text().replace("FAIL", "PASS"))
    (ev / "note.txt").write_text("x")
    result = cli("evidence", "verify", ev)
    assert result.exit_code == 1
    out = result.stdout
    assert "missing: input: variables.tf" in out and "added: input: extra.tf" in out
    assert "changed: bundle: report.html" in out and "added: bundle: note.txt" in out


def test_verify_with_inputs_and_rerun(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, ev)
    moved = tmp_path / "elsewhere"
    net.rename(moved)
    confirmed = cli("evidence", "verify", ev, "--inputs", moved, "--rerun")
    assert confirmed.exit_code == 0 and "verdicts confirmed" in confirmed.stdout
    tf = moved / "security_groups.tf"
    tf.write_text(
        tf.read_text()
        .replace("from_port         = 4222", "from_port         = 4223")
        .replace("to_port           = 4222", "to_port           = 4223")
    )
    result = cli("evidence", "verify", ev, "--inputs", moved, "--rerun")
    assert result.exit_code == 1
    assert "changed: input: security_groups.tf" in result.stdout
    assert "verdict: saas-agent-nats prod -> management: recorded reachable, now blocked" in result.stdout


def test_bundle_inside_the_scanned_folder_is_not_an_input(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    bundle(cli, net, net / "evidence")
    manifest = json.loads((net / "evidence" / "manifest.json").read_text())
    assert not any(f["path"].startswith("evidence/") for f in manifest["inputs"]["files"])
    assert cli("evidence", "verify", net / "evidence").exit_code == 0


def test_verify_without_manifest_is_bad_input(cli, tmp_path: Path) -> None:
    result = cli("evidence", "verify", tmp_path)
    assert result.exit_code == 2 and "manifest.json" in result.stderr


def test_config_and_waivers_outside_the_scanned_folder_are_hashed_too(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    net = copy_fixture("saas-nats-blocked", repo)
    config = repo / ".palette-policy.yaml"
    config.write_text("fail_on: deny\nwaivers: waivers.yaml\n", encoding="utf-8")
    (repo / "waivers.yaml").write_text(
        "waivers:\n  - id: PP-PATH-BLOCKED\n    reason: accepted\n    owner: me\n    expires: 2999-01-01\n"
    )
    ev = tmp_path / "ev"
    assert cli("validate", net, "--evidence", ev).exit_code == 0
    manifest = json.loads((ev / "manifest.json").read_text())
    assert sorted(x["role"] for x in manifest["inputs"]["outside_root"]) == ["config", "waivers"]
    assert cli("evidence", "verify", ev, "--rerun").exit_code == 0
    (repo / "waivers.yaml").write_text((repo / "waivers.yaml").read_text().replace("2999", "2001"))
    result = cli("evidence", "verify", ev, "--rerun")
    assert result.exit_code == 1
    assert "changed: waivers:" in result.stdout and "exit code: recorded 0, now 1" in result.stdout
