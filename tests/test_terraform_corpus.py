"""The real-world Terraform corpus (tests/corpus/terraform): each case's root, loaded as ``validate`` loads
it, must give exactly the network its expected.yaml describes.

expected.yaml was written by reading the configurations and Terraform's and the AWS provider's
documentation, not by running this tool (MANIFEST.md has each case's source, commit and license, and the
conventions). The comparison is on a normalized inventory — groups by full address, their rules
(direction, protocol, ports, CIDRs as address sets, group and prefix-list references, which parts are
unknown, the declaring resource, file and line, description), network ACLs with their entries and
subnets, subnets, prefix lists, the variables files applied — and any difference fails with a diff.

What the model does not carry is not compared: ICMP type/code (A5: the whole protocol is kept), the
dynamic block key, ``unknown_from`` (the text is checked by the unit tests), names of the VPCs.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import terraform_case_src
from validator.ingest.discover import discover
from validator.ingest.loaders.terraform import TerraformRoot
from validator.ingest.loaders.terraform.evaluate import load_root
from validator.model.sets import AddressSet

CORPUS = Path(__file__).parent / "corpus" / "terraform"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.yaml").is_file())
UNKNOWN_NAMES = {"group": "security_groups", "prefix_list": "prefix_lists", "from_port": "ports", "to_port": "ports"}


def load_case(case: str) -> tuple[dict[str, Any], TerraformRoot]:
    expected = yaml.safe_load((CORPUS / case / "expected.yaml").read_text(encoding="utf-8"))
    src = terraform_case_src(case, expected)
    found = discover(src)
    root = src / expected["root"]
    assert root in found.terraform_files, f"{expected['root']} is not a Terraform root of {case}"
    names = [p.name for p in found.terraform_files[root]]
    return expected, load_root(root, found.display(root), names)


def _families(cidrs4: Any, cidrs6: Any) -> tuple[list[str], list[str]]:
    both = AddressSet.parse(*(cidrs4 or []), *(cidrs6 or []))
    return _split(both)


def _split(addresses: AddressSet) -> tuple[list[str], list[str]]:
    v4 = sorted(c for c in addresses.cidrs() if ":" not in c)
    v6 = sorted(c for c in addresses.cidrs() if ":" in c)
    return v4, v6


def _ports(protocol: str, ports: Any) -> str | None:
    if protocol in ("icmp", "icmpv6"):
        return None  # type/code are not modelled (A5)
    return str(ports)


class _Ours:
    """Our inventory in expected.yaml's vocabulary."""

    def __init__(self, loaded: TerraformRoot, prefix: str) -> None:
        self.loaded, self.prefix = loaded, prefix

    def strip(self, key: str) -> str:
        return key.removeprefix(f"{self.prefix}:") if self.prefix else key

    def rule(self, rule: Any, point_key: str, acl: bool) -> dict[str, Any]:
        v4, v6 = _split(rule.peer.addresses)
        declared = self.strip(rule.source.resource)
        for suffix in (".ingress", ".egress"):
            declared = declared.removesuffix(suffix)
        out: dict[str, Any] = {
            "direction": rule.direction,
            "protocol": rule.protocol,
            "ports": _ports(rule.protocol, rule.ports),
            "cidr_ipv4": v4,
            "cidr_ipv6": v6,
            "declared_by": declared,
            "file": rule.source.file,
            "line": rule.source.line,
        }
        if acl:
            out.update(rule_number=rule.order, action=rule.action)
            return out
        out["security_groups"] = sorted("self" if g == point_key else self.strip(g) for g in rule.peer.groups)
        out["prefix_lists"] = sorted(self.strip(p) for p in rule.peer.prefix_lists)
        out["unknown"] = sorted({UNKNOWN_NAMES.get(u.field, u.field) for u in rule.unknowns})
        out["description"] = rule.description
        return out

    def document(self) -> dict[str, Any]:
        inv = self.loaded.inventory
        groups, acls = [], []
        for key, point in sorted(inv.points.items()):
            acl = point.kind == "network-acl"
            entry: dict[str, Any] = {
                "address": self.strip(key),
                "file": point.source.file,
                "line": point.source.line,
                "rules": sorted((self.rule(r, key, acl) for r in point.rules), key=repr),
            }
            if acl:
                entry["default"] = ".aws_default_network_acl." in f".{self.strip(key)}"
                entry["subnets"] = sorted(self.strip(s) for s, (a, _) in inv.nacl_associations.items() if a == key)
                acls.append(entry)
            else:
                entry["name"] = point.name
                groups.append(entry)
        subnets = []
        for key, subnet in sorted(inv.subnets.items()):
            v4, v6 = _split(subnet.addresses)
            subnets.append({"address": self.strip(key), "cidr_ipv4": v4, "cidr_ipv6": v6,
                            "file": subnet.source.file, "line": subnet.source.line})  # fmt: skip
        plists = []
        for key, plist in sorted(inv.prefix_lists.items()):
            v4, v6 = _split(plist.addresses)
            plists.append({"address": self.strip(key), "name": plist.name, "entries": v4 + v6,
                           "file": plist.source.file, "line": plist.source.line})  # fmt: skip
        return {
            "variables_applied": [f.rsplit("/", 1)[-1] for f in self.loaded.variable_files],
            "security_groups": groups,
            "network_acls": acls,
            "subnets": subnets,
            "prefix_lists": plists,
        }


def _expected(doc: dict[str, Any]) -> dict[str, Any]:
    """expected.yaml in the same shape."""
    pending_lists = {
        p["address"] for p in doc.get("prefix_lists") or [] if any(e.get("unknown") for e in p.get("entries") or [])
    }

    def rule(r: dict[str, Any], acl: bool) -> dict[str, Any]:
        v4, v6 = _families(r.get("cidr_ipv4"), r.get("cidr_ipv6"))
        out: dict[str, Any] = {
            "direction": r["direction"],
            "protocol": r["protocol"],
            "ports": _ports(r["protocol"], r.get("ports")),
            "cidr_ipv4": v4,
            "cidr_ipv6": v6,
            "declared_by": r["declared_by"],
            "file": r["file"],
            "line": r["line"],
        }
        if acl:
            out.update(rule_number=r["rule_number"], action=r["action"])
            return out
        plists = sorted(r.get("prefix_lists") or [])
        unknown = set(r.get("unknown") or [])
        if set(plists) & pending_lists:
            unknown.add("prefix_lists")  # a list whose entries are unknown makes the rule partly unknown
        out["security_groups"] = sorted(r.get("security_groups") or [])
        out["prefix_lists"] = plists
        out["unknown"] = sorted(unknown)
        out["description"] = r.get("description") or ""
        return out

    groups = [
        {
            "address": g["address"],
            "file": g["file"],
            "line": g["line"],
            "rules": sorted((rule(r, False) for r in g.get("rules") or []), key=repr),
            "name": g["name"],
        }
        for g in sorted(doc.get("security_groups") or [], key=lambda g: g["address"])
    ]
    acls = [
        {
            "address": a["address"],
            "file": a["file"],
            "line": a["line"],
            "rules": sorted((rule(r, True) for r in a.get("rules") or []), key=repr),
            "default": bool(a.get("default")),
            "subnets": sorted(a.get("subnets") or []),
        }
        for a in sorted(doc.get("network_acls") or [], key=lambda a: a["address"])
    ]
    subnets = []
    for s in sorted(doc.get("subnets") or [], key=lambda s: s["address"]):
        v4, v6 = _families(
            [s["cidr_ipv4"]] if s.get("cidr_ipv4") else [], [s["cidr_ipv6"]] if s.get("cidr_ipv6") else []
        )
        subnets.append(
            {"address": s["address"], "cidr_ipv4": v4, "cidr_ipv6": v6, "file": s["file"], "line": s["line"]}
        )
    plists = []
    for p in sorted(doc.get("prefix_lists") or [], key=lambda p: p["address"]):
        if p["address"] in pending_lists:
            continue  # not registered: its entries are not known (rules naming it are unknown, above)
        v4, v6 = _families([e["cidr"] for e in p["entries"] if ":" not in e["cidr"]],
                           [e["cidr"] for e in p["entries"] if ":" in e["cidr"]])  # fmt: skip
        plists.append({"address": p["address"], "name": p["name"], "entries": v4 + v6,
                       "file": p["file"], "line": p["line"]})  # fmt: skip
    return {
        "variables_applied": list(doc.get("variables_applied") or []),
        "security_groups": groups,
        "network_acls": acls,
        "subnets": subnets,
        "prefix_lists": plists,
    }


def _diff(expected: dict[str, Any], ours: dict[str, Any]) -> str:
    a = yaml.safe_dump(expected, sort_keys=True, width=200).splitlines()
    b = yaml.safe_dump(ours, sort_keys=True, width=200).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "expected.yaml", "palette-policy", lineterm="", n=4))


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: str) -> None:
    doc, loaded = load_case(case)
    ours = _Ours(loaded, doc["root"]).document()
    expected = _expected(doc)
    assert ours == expected, f"{case}: the loaded network differs from expected.yaml\n{_diff(expected, ours)}"
    if doc.get("unknown_instances"):
        kinds = {i.kind for i in loaded.inventory.issues}
        assert kinds & {"instances-unknown", "module-not-expanded"}, "unknown instance counts must be input issues"


def test_corpus_covers_what_the_loader_must_read() -> None:
    """The corpus keeps at least 12 real configurations and the constructs the loader is tested on."""
    assert len(CASES) >= 12
    text = "\n".join(p.read_text(encoding="utf-8") for p in CORPUS.rglob("*.tf"))
    for construct in ('dynamic "', "for_each", "aws_vpc_security_group_ingress_rule", "aws_ec2_managed_prefix_list",
                      "ipv6_cidr_blocks", "data \"aws_security_group\"", "count ="):  # fmt: skip
        assert construct in text, construct
    assert any((CORPUS / c / "src").rglob("*.auto.tfvars") for c in CASES if (CORPUS / c / "src").is_dir())
