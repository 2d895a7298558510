"""Shared helpers for the report tests: fixture copies, the vendored schemas, small edits."""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
VENDOR = ROOT / "schemas" / "vendor"


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    return target


@cache
def sarif_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((VENDOR / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def assert_valid_sarif(doc: dict[str, Any]) -> None:
    errors = sorted(sarif_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def assert_valid_junit(text: str) -> None:
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(VENDOR / "junit-10.xsd")))
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), str(schema.error_log)


def open_world_ssh(net: Path) -> None:
    """saas-ok with SSH open to 0.0.0.0/0: the exposure policy warns (PP-EXPOSED-PORT)."""
    tf = net / "security_groups.tf"
    tf.write_text(tf.read_text().replace("cidr_blocks = [var.operator_cidr]", 'cidr_blocks = ["0.0.0.0/0"]'))


def waivers_file(path: Path, entries: list[dict[str, str]]) -> Path:
    lines = ["waivers:"]
    for entry in entries:
        first = True
        for key, value in entry.items():
            lines.append(f"  {'- ' if first else '  '}{key}: {json.dumps(value)}")
            first = False
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
