"""collect_findings: the conftest conventions and METADATA annotations, engine-independent."""

from __future__ import annotations

import pytest

from validator.model.errors import InputError
from validator.policy.engine import collect_findings
from validator.policy.engine.annotations import parse_annotations

MODULE = """# METADATA
# title: Package title
# custom:
#   severity: info
package p.q

import rego.v1

# METADATA
# title: Blocked path
# description: Palette cannot connect.
# custom:
#   id: PP-001
#   severity: high
#   remediation: open it
deny contains msg if { msg := "x" }

warn contains {"msg": "w", "severity": "low", "locations": [{"file": "a.tf", "line": 3}], "extra": 1} if true
"""


def test_strings_objects_and_annotations() -> None:
    data = {
        "p": {
            "q": {
                "deny": ["blocked: nats"],
                "warn": [{"msg": "w", "severity": "low", "locations": [{"file": "a.tf", "line": 3}], "extra": 1}],
            }
        }
    }
    deny, warn = collect_findings(data, modules={"p.rego": MODULE})
    assert (deny.package, deny.kind, deny.msg, deny.id, deny.severity, deny.title, deny.remediation) == (
        "p.q",
        "deny",
        "blocked: nats",
        "PP-001",
        "high",
        "Blocked path",
        "open it",
    )
    assert deny.metadata == {"description": "Palette cannot connect."}
    assert (warn.kind, warn.msg, warn.severity, warn.title, warn.id) == ("warn", "w", "low", "Package title", None)
    assert warn.locations == [{"file": "a.tf", "line": 3}]
    assert warn.metadata == {"extra": 1}


def test_without_annotations_fields_stay_empty() -> None:
    (finding,) = collect_findings({"a": {"violation": [{"msg": "m", "details": {"k": 1}}]}})
    assert (finding.package, finding.kind, finding.id, finding.severity, finding.title) == (
        "a",
        "violation",
        None,
        None,
        None,
    )
    assert finding.metadata == {"details": {"k": 1}}


def test_ref_head_objects_booleans_and_empty_sets() -> None:
    data = {
        "a": {"deny": {"PP-7": "port 22 open", "PP-8": {"msg": "m8", "severity": "low"}}},
        "b": {"deny": True, "warn": []},
        "c": {"deny": False},
    }
    found = collect_findings(data)
    assert [(f.package, f.id, f.msg) for f in found] == [
        ("a", "PP-7", "port 22 open"),
        ("a", "PP-8", "m8"),
        ("b", None, "b.deny"),
    ]


def test_namespaces_and_package_list() -> None:
    data = {"palette": {"ports": {"deny": ["a"]}, "proxy": {"deny": ["b"]}}, "user": {"deny": ["c"]}}
    assert [f.msg for f in collect_findings(data, namespaces=["palette"])] == ["a", "b"]
    assert [f.msg for f in collect_findings(data, namespaces=["palette.proxy", "user"])] == ["b", "c"]
    assert [f.msg for f in collect_findings(data, packages=["user"])] == ["c"]
    assert collect_findings(data, namespaces=["pal"]) == []


def test_rule_annotations_disagreeing_are_not_guessed() -> None:
    source = (
        'package a\nimport rego.v1\n# METADATA\n# custom:\n#   id: A1\ndeny contains "x" if true\n'
        '# METADATA\n# custom:\n#   id: A2\ndeny contains "y" if true\n'
    )
    assert {f.id for f in collect_findings({"a": {"deny": ["x", "y"]}}, modules={"a.rego": source})} == {None}


def test_annotation_parsing_and_errors() -> None:
    notes = parse_annotations("p.rego", MODULE)
    assert [(n.package, n.rule, n.line) for n in notes] == [("p.q", None, 1), ("p.q", "deny", 9)]
    with pytest.raises(InputError, match="invalid METADATA") as info:
        parse_annotations("bad.rego", "package a\n# METADATA\n# title: [unclosed\ndeny := 1\n")
    assert info.value.file == "bad.rego" and info.value.line == 3
