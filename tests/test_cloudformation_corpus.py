"""The CloudFormation corpus (tests/corpus/cloudformation): public templates read as `palette-policy input` reads
them, compared with the inventory AWS would hold, written by reading each template and AWS's documentation.

Each case runs `input TEMPLATE` (one file, no topology) with the parameter values its expected.yaml assumes,
checks the document against schemas/input.schema.json, and compares the normalized inventory — groups by logical
id with their rules (direction, protocol, ports, canonical CIDRs, groups, prefix lists, which fields are unknown,
implicit default egress, the written non-canonical CIDR, declaring resource, line, existence), network ACL
entries, subnets, VPCs with IPv6 and prefix lists — with expected.yaml. A difference fails with a diff.

Normalizations (the expectations keep what AWS stores; the model keeps what decides reachability): an ICMP rule's
"type:code" is compared as all ports, since ICMP types are not modelled (A5); expected.yaml's optional keys
(prefix lists' address_family/max_entries, external groups' vpc) are not compared.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

from tests.helpers import ROOT

CORPUS = ROOT / "tests" / "corpus" / "cloudformation"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "expected.yaml").exists())
MANIFEST = yaml.safe_load((CORPUS / "MANIFEST.yaml").read_text(encoding="utf-8"))["cases"]
SCHEMAS = {n: json.loads((ROOT / "schemas" / n).read_text()) for n in ("input.schema.json", "report.schema.json")}
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()])
FIELD_NAMES = {"group": "security_groups", "prefix_list": "prefix_lists"}


def _expected(case: Path) -> dict[str, Any]:
    return yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))


def _template(case: Path) -> Path:
    return next(case.glob("template.*"))


def _parameters(expected: dict[str, Any]) -> list[str]:
    args = []
    for name, value in (expected.get("parameters") or {}).items():
        if value == "unknown":
            continue
        if isinstance(value, list):
            value = ",".join(value)
        if isinstance(value, bool):
            value = "true" if value else "false"
        args += ["--parameter", f"{name}={value}"]
    return args


def inventory(cli: Any, case: Path, *extra: str) -> dict[str, Any]:
    """`palette-policy input TEMPLATE` with the case's parameters; the document, checked against its schema."""
    result = cli("input", _template(case), *_parameters(_expected(case)), *extra)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMAS["input.schema.json"], registry=REGISTRY).validate(doc)
    return doc


def _logical(key: Any, file: str) -> Any:
    if not isinstance(key, str) or not key.startswith(file + "#"):
        return key
    logical = key[len(file) + 1 :]
    return (
        "elb:" + logical.removesuffix(".SourceSecurityGroup") if logical.endswith(".SourceSecurityGroup") else logical
    )


def _peer(rule: dict[str, Any], out: dict[str, Any], file: str) -> None:
    fields = {u["field"] for u in rule["unknown"]}
    v4 = [c for c in rule["cidrs"] if ":" not in c]
    v6 = [c for c in rule["cidrs"] if ":" in c]
    widened = bool(fields & {"cidr_ipv4", "cidr_ipv6"})  # the known part is not listed when a CIDR is unknown
    for name, known in (("cidr_ipv4", v4), ("cidr_ipv6", v6)):
        if name in fields:
            out[name] = "unknown"
        elif known and not widened:
            out[name] = known
    for field, values in (("group", rule.get("groups", [])), ("prefix_list", rule.get("prefix_lists", []))):
        if field in fields:
            out[FIELD_NAMES[field]] = "unknown"
        elif values:
            out[FIELD_NAMES[field]] = sorted(_logical(v, file) for v in values)
    named = sorted(FIELD_NAMES.get(f, f) for f in fields - {"rule"})
    if named:
        out["unknown"] = named
    if "rule" in fields:
        out["exists"] = "unknown"


def normalize(doc: dict[str, Any], file: str) -> dict[str, Any]:
    """The document's inventory in expected.yaml's shape."""
    resources = doc["resources"]
    written = {
        (i["file"], i["line"]): i["details"]["written"] for i in doc["issues"] if i["kind"] == "cidr-not-canonical"
    }
    groups, acls = [], []
    for point in resources["enforcement_points"]:
        external = bool(point["unresolved"])
        item: dict[str, Any] = {"id": _logical(point["key"], file), "line": None if external else point["line"]}
        rules = []
        for rule in point["rules"]:
            out: dict[str, Any] = {
                "direction": rule["direction"],
                "protocol": rule["protocol"],
                "ports": rule["ports_text"],
            }
            if point["kind"] == "network-acl":
                out = {"rule_number": rule["order"], **out, "action": rule["action"]}
            _peer(rule, out, file)
            if rule["implicit"]:
                out["implicit"] = rule["implicit"]
            if (rule["file"], rule["line"]) in written:
                out["non_canonical"] = written[(rule["file"], rule["line"])]
            if point["kind"] == "security-group":
                out["declared_by"] = rule["declared_by"]
            out["line"] = rule["line"]
            rules.append(out)
        if point["kind"] == "security-group":
            if external:
                item["external"] = True
            else:
                item["vpc"] = _logical(point["vpc"], file) if point["vpc"] else "none-or-unknown"
            item["rules"] = sorted(rules, key=_order)
            groups.append(item)
        else:
            item["subnets"] = sorted(
                _logical(a["subnet"], file)
                for a in resources["network_acl_associations"]
                if a["network_acl"] == point["key"]
            )
            item["entries"] = sorted(rules, key=_order)
            acls.append(item)
    return {
        "security_groups": sorted(groups, key=lambda g: g["id"]),
        "network_acls": sorted(acls, key=lambda a: a["id"]),
        "subnets": sorted((_block(s, file, written) for s in resources["subnets"]), key=lambda s: s["id"]),
        "vpcs": sorted((_block(v, file, written) for v in resources["vpcs"]), key=lambda s: s["id"]),
        "prefix_lists": sorted(
            (
                {"id": _logical(p["key"], file), "line": p["line"], "entries": sorted(p["cidrs"])}
                for p in resources["prefix_lists"]
            ),
            key=lambda p: p["id"],
        ),
    }


def _block(item: dict[str, Any], file: str, written: dict[tuple[str, int], str]) -> dict[str, Any]:
    """A subnet or VPC: one IPv4 block, its IPv6 block (or unknown), its VPC, IPv6 flag, line."""
    fields = {u["field"] for u in item["unknown"]}
    out: dict[str, Any] = {"id": _logical(item["key"], file)}
    v4 = [c for c in item["cidrs"] if ":" not in c]
    v6 = [c for c in item["cidrs"] if ":" in c]
    out["cidr_ipv4"] = "unknown" if "cidr_ipv4" in fields else v4[0] if len(v4) == 1 else v4
    if "vpc" in item:  # a subnet
        if "cidr_ipv6" in fields or v6:
            out["cidr_ipv6"] = "unknown" if "cidr_ipv6" in fields else v6[0]
        out["vpc"] = _logical(item["vpc"], file)
    else:
        out["ipv6"] = item["ipv6"]
    out["line"] = item["line"]
    if (item["file"], item["line"]) in written:
        out["non_canonical"] = written[(item["file"], item["line"])]
    return out


def _order(rule: dict[str, Any]) -> str:
    return json.dumps(rule, sort_keys=True)


def expected_inventory(expected: dict[str, Any]) -> dict[str, Any]:
    """expected.yaml in the compared shape (see the module docstring for the normalizations)."""
    groups = []
    for group in expected.get("security_groups") or []:
        item: dict[str, Any] = {"id": group["id"], "line": group["line"]}
        if group.get("external"):
            item["external"] = True
        else:
            item["vpc"] = group["vpc"] if group["vpc"] not in ("none", "unknown") else "none-or-unknown"
        item["rules"] = sorted((_rule(r) for r in group["rules"]), key=_order)
        groups.append(item)
    acls = []
    for acl in expected.get("network_acls") or []:
        entries = [_rule(entry) for entry in acl["entries"]]
        acls.append(
            {
                "id": acl["id"],
                "line": acl["line"],
                "subnets": sorted(acl["subnets"]),
                "entries": sorted(entries, key=_order),
            }
        )
    return {
        "security_groups": sorted(groups, key=lambda g: g["id"]),
        "network_acls": sorted(acls, key=lambda a: a["id"]),
        "subnets": sorted(expected.get("subnets") or [], key=lambda s: s["id"]),
        "vpcs": sorted(expected.get("vpcs") or [], key=lambda s: s["id"]),
        "prefix_lists": sorted(
            (
                {"id": p["id"], "line": p["line"], "entries": sorted(p["entries"])}
                for p in expected.get("prefix_lists") or []
            ),
            key=lambda p: p["id"],
        ),
    }


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    out = dict(rule)
    if out["protocol"] in ("icmp", "icmpv6"):
        out["ports"] = "all"  # A5: the whole protocol; types and codes are not modelled
    if "unknown" in out:
        out["unknown"] = sorted(out["unknown"])
    return out


def _diff(got: Any, want: Any) -> str:
    a = yaml.safe_dump(want, sort_keys=True, width=200).splitlines()
    b = yaml.safe_dump(got, sort_keys=True, width=200).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "expected.yaml", "palette-policy input", lineterm=""))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(cli: Any, case: Path) -> None:
    template = _template(case)
    got = normalize(inventory(cli, case), template.name)
    want = expected_inventory(_expected(case))
    assert got == want, f"{case.name}: the inventory differs from expected.yaml\n{_diff(got, want)}"


def test_manifest_lists_every_case_with_its_source_and_license() -> None:
    listed = {c["case"]: c for c in MANIFEST}
    assert set(listed) == {c.name for c in CASES}
    for case in CASES:
        entry = listed[case.name]
        assert (case / "LICENSE").exists() and (case / "SOURCE.md").exists()
        data = _template(case).read_bytes()
        if entry.get("written"):
            continue
        assert len(entry["commit"]) == 40 and entry["license"] and entry["source"].startswith("https://github.com/")
        blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        assert blob == entry["blob"], f"{case.name}: the template is no longer the upstream file"


def test_the_corpus_covers_the_cases_it_exists_for() -> None:
    """At least 12 public templates, and every construct the loader must read like AWS appears in one."""
    public = [c for c in MANIFEST if not c.get("written")]
    assert len(public) >= 12
    texts = {c.name: _template(c).read_text(encoding="utf-8") for c in CASES}
    everything = "\n".join(texts.values())
    for construct in ("192.168.1.0/0", "AWS::EC2::SecurityGroupEgress", "VPCCidrBlock", "SourceSecurityGroup."):
        assert construct in everything, construct
    for construct in ("FindInMap", "If", "Select", "Join", "Split", "ImportValue", "Outputs.", "Cidr", "Sub"):
        assert f"!{construct}" in everything or f"Fn::{construct}" in everything or construct in everything, construct
