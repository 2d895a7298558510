"""Evidence that holds: what verify catches (edits to outside inputs, to the manifest, to the report with
its digest fixed), how a bundle is put in place, what it refuses, and signatures with minisign."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from report_helpers import copy_fixture

from validator.report.evidence import bundle_digest


def bundle(cli, *args: object) -> None:
    result = cli("validate", *args)
    assert result.exit_code in (0, 1), result.stderr


def test_an_edited_data_file_outside_the_scanned_folder_is_caught(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    data = tmp_path / "owners.yaml"
    data.write_text("owners: {prod: netops}\n")
    ev = tmp_path / "ev"
    bundle(cli, net, "--data", data, "--evidence", ev)
    assert cli("evidence", "verify", ev).exit_code == 0
    data.write_text("owners: {prod: someone-else}\n")
    result = cli("evidence", "verify", ev)
    assert result.exit_code == 1 and f"changed: read: {data.resolve()}" in result.stdout


def test_an_edited_manifest_summary_or_metadata_is_caught(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    for field, edit in (
        ("summary", lambda d: d["summary"].update(exit_code=0)),
        ("tool", lambda d: d["tool"].update(version="9")),
    ):
        ev = tmp_path / f"ev-{field}"
        bundle(cli, net, "--evidence", ev)
        doc = json.loads((ev / "manifest.json").read_text())
        edit(doc)
        (ev / "manifest.json").write_text(json.dumps(doc, indent=2))
        result = cli("evidence", "verify", ev)
        assert result.exit_code == 1 and "changed: bundle: manifest.json" in result.stdout, result.stdout


def test_an_edited_report_with_its_digest_fixed_in_the_manifest_is_caught(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-nats-blocked", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, "--evidence", ev)
    report = ev / "report.json"
    report.write_text(report.read_text().replace('"blocked"', '"reachable"'))
    doc = json.loads((ev / "manifest.json").read_text())
    for item in doc["outputs"]:
        if item["path"] == "report.json":
            item["sha256"] = hashlib.sha256(report.read_bytes()).hexdigest()
    (ev / "manifest.json").write_text(json.dumps(doc, indent=2))
    result = cli("evidence", "verify", ev)
    assert result.exit_code == 1 and "changed: bundle: manifest.json" in result.stdout
    assert "report.json" not in result.stdout.replace("manifest.json", "")  # its digest now matches: the manifest tells


def test_a_manifest_with_a_missing_key_is_a_located_error(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, "--evidence", ev)
    doc = json.loads((ev / "manifest.json").read_text())
    del doc["outputs"]
    (ev / "manifest.json").write_text(json.dumps(doc, indent=2))
    result = cli("evidence", "verify", ev)
    assert (
        result.exit_code == 2
        and "manifest.json:1" in result.stderr
        and "'outputs' is a required property" in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_folder_that_is_not_a_bundle_is_never_replaced(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me\n")
    result = cli("validate", net, "--evidence", target)
    assert result.exit_code == 2 and "not empty and holds no evidence bundle" in result.stderr
    assert result.stdout == "" and [p.name for p in target.iterdir()] == ["notes.txt"]
    ev = tmp_path / "ev"
    bundle(cli, net, "--evidence", ev)
    (ev / "notes.txt").write_text("an extra file in a bundle\n")
    assert cli("validate", net, "--evidence", ev).exit_code == 2  # a bundle with foreign files is not ours either


def test_a_previous_bundle_is_replaced_whole_and_leftovers_do_not_count(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, "--evidence", ev)
    first = json.loads((ev / "manifest.json").read_text())
    (tmp_path / ".palette-policy-evidence-ev-crashed").mkdir()  # what a killed run may leave next to it
    (tmp_path / ".palette-policy-evidence-ev-crashed" / "report.json").write_text("{}")
    tf = net / "security_groups.tf"
    tf.write_text(tf.read_text().replace("4222", "4223"))
    bundle(cli, net, "--evidence", ev)
    second = json.loads((ev / "manifest.json").read_text())
    assert second["summary"] != first["summary"] and sorted(p.name for p in ev.iterdir()) == [
        "manifest.json",
        "report.html",
        "report.json",
    ]
    result = cli("evidence", "verify", ev)
    assert result.exit_code == 0, result.stdout


def test_a_bundle_inside_the_scanned_folder_changes_nothing_in_the_next_report(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    before = cli("validate", net, "--format", "json").stdout
    bundle(cli, net, "--evidence", net / "audit" / "2026-q1")
    after = cli("validate", net, "--format", "json").stdout
    one, two = json.loads(before), json.loads(after)
    assert one["inputs"]["loaded"] == two["inputs"]["loaded"] and one["inputs"]["skipped"] == two["inputs"]["skipped"]
    assert two["inputs"]["ignored"] == ["audit/2026-q1/"]  # listed as ignored, never read
    assert one["results"] == two["results"]


def test_the_bundle_digest_is_over_the_manifest_itself(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, "--evidence", ev)
    doc = json.loads((ev / "manifest.json").read_text())
    body = {k: v for k, v in doc.items() if k != "bundle_sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert doc["bundle_sha256"] == hashlib.sha256(canonical).hexdigest() == bundle_digest(doc)


@pytest.mark.skipif(shutil.which("minisign") is None, reason="minisign is not installed (CI installs it)")
def test_signed_bundles_verify_and_a_rewritten_manifest_does_not(cli, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    secret, public = keys / "key.sec", keys / "key.pub"
    made = subprocess.run(
        ["minisign", "-G", "-W", "-p", str(public), "-s", str(secret)], capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    net = copy_fixture("saas-nats-blocked", tmp_path)
    ev = tmp_path / "ev"
    bundle(cli, net, "--evidence", ev, "--sign", secret)
    assert (ev / "manifest.json.minisig").is_file()
    good = cli("evidence", "verify", ev, "--key", public)
    assert good.exit_code == 0 and "signature good" in good.stdout, good.stdout
    # someone rewrites the summary and recomputes every digest: only the signature can tell
    doc = json.loads((ev / "manifest.json").read_text())
    doc["summary"]["exit_code"] = 0
    doc["bundle_sha256"] = bundle_digest(doc)
    (ev / "manifest.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    assert cli("evidence", "verify", ev).exit_code == 0  # unsigned verification cannot see a forgery
    forged = cli("evidence", "verify", ev, "--key", public)
    assert forged.exit_code == 1 and "signature: does not verify" in forged.stdout
    unsigned = tmp_path / "unsigned"
    bundle(cli, net, "--evidence", unsigned)
    result = cli("evidence", "verify", unsigned, "--key", public)
    assert result.exit_code == 1 and "not signed" in result.stdout


def test_sign_without_evidence_is_a_usage_error(cli, tmp_path: Path) -> None:
    net = copy_fixture("saas-ok", tmp_path)
    result = cli("validate", net, "--sign", tmp_path / "key")
    assert result.exit_code == 2 and "--evidence" in result.stderr
