"""Property-based tests: every loader, on arbitrary or half-valid input, either loads or raises InputError.

CI runs a small number of examples per loader; set PALETTE_POLICY_FUZZ_EXAMPLES (e.g. 100000) for the long
run recorded in the README.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.ingest.discover import discover
from validator.ingest.loaders.registry import load_all
from validator.ingest.loaders.terraform import load_root
from validator.ingest.topology import parse_topology
from validator.model.errors import InputError

EXAMPLES = int(os.environ.get("PALETTE_POLICY_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

VOCAB = [
    "SecurityGroups",
    "GroupId",
    "GroupName",
    "IpPermissions",
    "IpPermissionsEgress",
    "IpProtocol",
    "FromPort",
    "ToPort",
    "IpRanges",
    "CidrIp",
    "Ipv6Ranges",
    "CidrIpv6",
    "UserIdGroupPairs",
    "PrefixListIds",
    "PrefixListId",
    "SecurityGroupRules",
    "IsEgress",
    "CidrIpv4",
    "ReferencedGroupInfo",
    "NetworkAcls",
    "NetworkAclId",
    "Entries",
    "RuleNumber",
    "Protocol",
    "RuleAction",
    "Egress",
    "CidrBlock",
    "PortRange",
    "From",
    "To",
    "Associations",
    "SubnetId",
    "Subnets",
    "AWSTemplateFormatVersion",
    "Resources",
    "Type",
    "Properties",
    "SecurityGroupIngress",
    "SecurityGroupEgress",
    "Ref",
    "Fn::GetAtt",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::Subnet",
    "AWS::EC2::PrefixList",
    "format_version",
    "planned_values",
    "root_module",
    "resources",
    "address",
    "type",
    "values",
    "ingress",
    "egress",
    "cidr_blocks",
    "aws_security_group",
    "aws_security_group_rule",
    "security_group_id",
    "configuration",
    "expressions",
    "references",
    "Parameters",
    "Default",
    "profiles",
    "management",
    "clusters",
    "name",
    "nodes",
    "addresses",
    "security_groups",
    "api",
    "hosts",
    "subnets",
    "tcp",
    "-1",
    "0.0.0.0/0",
    "10.0.0.0/8",
]
SCALARS = st.none() | st.booleans() | st.integers(-70000, 70000) | st.sampled_from(VOCAB) | st.text(max_size=12)
DOCS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(VOCAB) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)


def _load_file(name: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(InputError):
            load_all(discover(Path(tmp)))


@FUZZ
@given(DOCS)
def test_json_documents(doc: Any) -> None:
    _load_file("doc.json", json.dumps(doc))


@FUZZ
@given(DOCS)
def test_yaml_documents(doc: Any) -> None:
    _load_file("doc.yaml", yaml.safe_dump(doc))


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_as_yaml_and_json(text: str) -> None:
    _load_file("doc.yaml", text)
    _load_file("doc.json", text)


HCL_VALUES = st.sampled_from(
    [
        '"tcp"',
        '"-1"',
        "443",
        "-1",
        "70000",
        '["0.0.0.0/0"]',
        '["::/0"]',
        '["10.0.0.1/8"]',
        "true",
        "null",
        "var.x",
        "aws_security_group.a.id",
        '["x"]',
        "[]",
        "{}",
        '"6"',
    ]
)
HCL_KEYS = st.sampled_from(
    [
        "from_port",
        "to_port",
        "protocol",
        "cidr_blocks",
        "ipv6_cidr_blocks",
        "self",
        "security_groups",
        "type",
        "security_group_id",
        "source_security_group_id",
        "ip_protocol",
        "cidr_ipv4",
        "cidr_ipv6",
        "referenced_security_group_id",
        "name",
        "rule_no",
        "action",
        "cidr_block",
        "rule_number",
        "egress",
        "rule_action",
        "network_acl_id",
        "subnet_ids",
        "prefix_list_ids",
    ]
)
HCL_TYPES = st.sampled_from(
    [
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_subnet",
        "aws_ec2_managed_prefix_list",
    ]
)


@st.composite
def hcl(draw: st.DrawFn) -> str:
    out = []
    for i in range(draw(st.integers(1, 3))):
        attrs = "".join(f"  {k} = {v}\n" for k, v in draw(st.lists(st.tuples(HCL_KEYS, HCL_VALUES), max_size=6)))
        blocks = "".join(
            f"  {b} {{\n" + "".join(f"    {k} = {v}\n" for k, v in kvs) + "  }\n"
            for b, kvs in draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["ingress", "egress", "entry"]),
                        st.lists(st.tuples(HCL_KEYS, HCL_VALUES), max_size=5),
                    ),
                    max_size=2,
                )
            )
        )
        out.append(f'resource "{draw(HCL_TYPES)}" "r{i}" {{\n{attrs}{blocks}}}\n')
    if draw(st.booleans()):
        out.append(draw(st.text(max_size=40)))
    return "\n".join(out)


@FUZZ
@given(hcl())
def test_terraform(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "main.tf").write_text(text, encoding="utf-8")
        with contextlib.suppress(InputError):
            load_root(Path(tmp), ".", ["main.tf"])


@FUZZ
@given(DOCS)
def test_topology(doc: Any) -> None:
    with contextlib.suppress(InputError):
        parse_topology(doc, "palette-network.yaml")
