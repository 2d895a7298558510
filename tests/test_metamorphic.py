"""Metamorphic properties: the same network, written differently, gives the same answers."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import yaml

from tests.helpers import FIXTURES, json_report


def _answers(report: dict) -> tuple[list, list]:
    verdicts = sorted((r["requirement"], r["source"], r["destination"], r["verdict"]) for r in report["results"])
    findings = sorted(
        (f["kind"], f["id"], f["requirement"] or "", f["message"].split(" (")[0]) for f in report["findings"]
    )
    return verdicts, findings


def test_renaming_files_changes_nothing_but_the_names(cli, tmp_path: Path) -> None:
    original = tmp_path / "a"
    shutil.copytree(FIXTURES / "self-hosted-nacl-no-return", original)
    renamed = tmp_path / "b"
    shutil.copytree(original, renamed)
    names = {"management.tf": "zz-mgmt.tf", "workers.tf": "00-workers.tf", "network.tf": "nested/acl.tf"}
    (renamed / "nested").mkdir()
    for old, new in names.items():
        (renamed / old).rename(renamed / new)
    # a nested folder is its own Terraform root: keep the files together by moving all of them
    for name in ("zz-mgmt.tf", "00-workers.tf"):
        (renamed / name).rename(renamed / "nested" / name)
    _, first = json_report(cli, original)
    _, second = json_report(cli, renamed)
    text = json.dumps(second)
    for old, new in {
        "management.tf": "nested/zz-mgmt.tf",
        "workers.tf": "nested/00-workers.tf",
        "network.tf": "nested/acl.tf",
    }.items():
        text = text.replace(f'"{new}"', f'"{old}"').replace(f"{new}:", f"{old}:")
    text = text.replace("nested:", "")  # resources of a root in a sub-folder are keyed by it
    second = json.loads(text)
    for report in (first, second):
        report["root"] = ""
        report["inputs"]["loaded"] = sorted(i["format"] for i in report["inputs"]["loaded"])
    assert first == second


def test_reordering_groups_and_rules_in_describe_output(cli, tmp_path: Path) -> None:
    source = FIXTURES / "formats" / "self-hosted-ok" / "describe"
    _, expected = json_report(cli, source)
    rng = random.Random(7)
    for attempt in range(3):
        net = tmp_path / f"n{attempt}"
        shutil.copytree(source, net)
        doc = json.loads((net / "describe-security-groups.json").read_text())
        rng.shuffle(doc["SecurityGroups"])
        for group in doc["SecurityGroups"]:
            rng.shuffle(group["IpPermissions"])
            rng.shuffle(group["IpPermissionsEgress"])
        (net / "describe-security-groups.json").write_text(json.dumps(doc, indent=1))
        _, got = json_report(cli, net)
        assert _answers(got) == _answers(expected)


def test_reordering_cloudformation_resources(cli, tmp_path: Path) -> None:
    source = FIXTURES / "formats" / "self-hosted-no-6443" / "cloudformation"
    _, expected = json_report(cli, source)
    net = tmp_path / "n"
    shutil.copytree(source, net)
    text = (net / "network.yaml").read_text()
    head, _, body = text.partition("Resources:\n")
    blocks = [b for b in re.split(r"(?m)^(?=  \S)", body) if b.strip()]
    assert len(blocks) > 3
    (net / "network.yaml").write_text(head + "Resources:\n" + "".join(reversed(blocks)))
    assert yaml.safe_load((net / "network.yaml").read_text().replace("!GetAtt", "").replace("!Ref", ""))
    _, got = json_report(cli, net)
    assert _answers(got) == _answers(expected)


def test_splitting_one_file_into_several(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    text = (net / "security_groups.tf").read_text()
    first, sep, rest = text.partition('resource "aws_security_group_rule" "workers_nats"')
    (net / "security_groups.tf").write_text(first)
    (net / "nats.tf").write_text(sep + rest)
    _, expected = json_report(cli, FIXTURES / "saas-ok")
    _, got = json_report(cli, net)
    assert _answers(got) == _answers(expected)
