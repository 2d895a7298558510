"""Property-based tests: every loader, on arbitrary or half-valid input, either loads or raises InputError;
the Terraform parser, out of process, gives a result, an InputError or a reported failure, never a crash of
the run; the CLI entry point on a fuzzed repository exits 0, 1 or 2 with one located line, never an
internal error.

CI runs a small number of examples per target (PALETTE_POLICY_FUZZ_EXAMPLES, default 150; the slow targets,
the isolated parser and the CLI, run a tenth of it); set it higher for the long campaign recorded in the README.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.ingest.discover import discover
from validator.ingest.loaders.registry import load_all
from validator.ingest.loaders.terraform.evaluate import load_root
from validator.ingest.topology import parse_topology
from validator.model.errors import InputError

EXAMPLES = int(os.environ.get("PALETTE_POLICY_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=max(10, EXAMPLES // 10), deadline=None, suppress_health_check=list(HealthCheck))

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


# --- the other readers: Squid, waivers, config, policies -----------------------------------------------------

SQUID_LINES = st.sampled_from(
    [
        "http_port 3128",
        "http_port [::1]:3128",
        "http_port 99999",
        "acl SSL_ports port 443",
        "acl SSL_ports port 1-x",
        "acl CONNECT method CONNECT",
        "acl hosts dstdomain .example.com",
        "acl re dstdom_regex -i ^(a|aa)+$",
        "acl re dstdom_regex (a)\\1",
        'acl listed dstdomain "missing.txt"',
        "acl net src 10.0.0.0/8",
        "acl net dst 10.0.0.300/8",
        "http_access deny CONNECT !SSL_ports",
        "http_access allow hosts",
        "http_access deny undefined_acl",
        "http_access allow all",
        "include /dev/zero",
        "include missing.conf",
        "include *.conf",
        "ssl_bump splice all",
        'acl q dstdomain "unterminated',
    ]
)


@FUZZ
@given(st.lists(SQUID_LINES | st.text(max_size=40), max_size=12))
def test_squid(lines: list[str]) -> None:
    from validator.ingest.loaders.squid import parse_squid_text

    with tempfile.TemporaryDirectory() as tmp, contextlib.suppress(InputError):
        parse_squid_text("\n".join(lines) + "\n", str(Path(tmp) / "squid.conf"))


WAIVER_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(
        ["PP-*", "PP-PATH-BLOCKED", "2026-12-31", "2026-02-30", "owner@example.com", "pr*", "[", "!!int x"]
    )
    | st.text(max_size=10)
)
WAIVER = st.dictionaries(
    st.sampled_from(["id", "reason", "owner", "expires", "requirement", "cluster", "resource", "file", "other"]),
    WAIVER_VALUES,
    max_size=8,
)


@FUZZ
@given(st.lists(WAIVER, max_size=3) | DOCS, st.booleans())
def test_waivers(waivers: Any, wrapped: bool) -> None:
    from validator.ingest.waivers import load_waivers

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ".palette-policy-waivers.yaml"
        path.write_text(yaml.safe_dump({"waivers": waivers} if wrapped else waivers, default_flow_style=False))
        with contextlib.suppress(InputError):
            load_waivers(path)


CONFIG_KEYS = st.sampled_from(
    [
        "profile",
        "format",
        "fail_on",
        "policy_dirs",
        "profiles_dirs",
        "data_files",
        "namespaces",
        "waivers",
        "sarif_root",
        "max_file_size",
        "unknown",
    ]
)
CONFIG_VALUES = (
    st.none()
    | st.integers(-5, 100)
    | st.sampled_from(
        ["saas", "json", "deny", "/etc/passwd", "../outside", "policy", ["policy"], ["/etc"], ["../x"], "table"]
    )
    | st.lists(st.text(max_size=8), max_size=3)
)


@FUZZ
@given(st.dictionaries(CONFIG_KEYS, CONFIG_VALUES, max_size=6) | DOCS)
def test_config(doc: Any) -> None:
    from validator.ingest.config import load_config

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ".git").mkdir()
        (Path(tmp) / "policy").mkdir()
        path = Path(tmp) / ".palette-policy.yaml"
        path.write_text(yaml.safe_dump(doc))
        with contextlib.suppress(InputError):
            load_config(path, given=False)


REGO_PARTS = st.sampled_from(
    [
        "package p\n",
        "import rego.v1\n",
        "import data.p as me\n",
        "f(x) := f(x + 1)\n",
        "g contains v if { some v in h }\n",
        "h contains v if { some v in g }\n",
        "t := time.now_ns()\n",
        'u := uuid.rfc4122("a")\n',
        'x := http.send({"url": "http://127.0.0.1"})\n',
        'deny contains msg if { msg := sprintf("%v", [input.a]) }\n',
        "a := me.b\n",
        "b := a\n",
        "y := [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]\n",
        'z := "[[[[[[[[[[[[[[[["\n',
        "w := {1, {2, {3}}}\n",
        "default k := 1\n",
        "k if { data }\n",
        "every x in [1] { x > 0 }\n",
        "# comment [[[[[[[[[[[[[[\n",
        "}\n",
        "if {\n",
    ]
)


@FUZZ
@given(st.lists(REGO_PARTS | st.text(max_size=20), max_size=10))
def test_rego(parts: list[str]) -> None:
    from validator.policy.engine.rego_ast import check_sandbox, parse_module

    with contextlib.suppress(InputError):
        check_sandbox([parse_module("fuzz.rego", "package p\nimport rego.v1\n" + "".join(parts))])


# --- the Terraform parser out of process, on hostile HCL ------------------------------------------------------

HOSTILE_HCL = st.sampled_from(
    [
        'variable "x" {\n  type = strng\n}\n',
        'variable "x" {\n  type = list(string)\n  default = ["a"]\n}\n',
        'locals {\n  a = ["x", "y"]\n  b = concat(local.a, local.a)\n  c = concat(local.b, local.b)\n}\n',
        'module "me" {\n  source = "./sub"\n}\n',
        'module "gone" {\n  source = "./missing"\n}\n',
        "locals {\n  n = " + "[" * 300 + "]" * 300 + "\n}\n",
        'resource "aws_security_group" "g" {\n  name = var.x\n}\n',
        "{{{{",
        'output "o" {\n  value = local.undefined\n}\n',
    ]
)


@SLOW
@given(st.lists(HOSTILE_HCL | hcl(), min_size=1, max_size=3))
def test_terraform_out_of_process(texts: list[str]) -> None:
    from validator.ingest.isolation import ChildLimits, TaskFailed, WorkerPool
    from validator.ingest.loaders.registry import evaluate_root
    from validator.ingest.reader import ReadScope
    from validator.model.inventory import Inventory

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        for i, text in enumerate(texts):
            (root / f"f{i}.tf").write_text(text, encoding="utf-8")
        (root / "sub").mkdir()
        (root / "sub" / "s.tf").write_text('resource "aws_security_group" "s" {\n  name = "s"\n}\n')
        task = (root, ".", [f"f{i}.tf" for i in range(len(texts))], None, frozenset(), ReadScope(root))
        with WorkerPool(1, ChildLimits(1024 * 1024 * 1024, 30.0)) as pool:
            (outcome,) = list(pool.map(evaluate_root, [task]))
    assert isinstance(outcome, bytes | InputError | TaskFailed)
    if isinstance(outcome, bytes):  # the root and its read records, pickled by the worker
        loaded, records = pickle.loads(outcome)
        assert isinstance(loaded.inventory, Inventory) and all(r.real for r in records)
    if isinstance(outcome, TaskFailed):
        assert outcome.kind in ("crash", "memory", "timeout") and outcome.text(ChildLimits())


# --- the CLI entry point on a fuzzed repository -----------------------------------------------------------------

VALID_TOPOLOGY = (Path(__file__).resolve().parent.parent / "fixtures" / "saas-ok" / "palette-network.yaml").read_text()
FILE_NAMES = st.sampled_from(
    ["main.tf", "doc.yaml", "doc.json", "squid.conf", ".palette-policy-waivers.yaml", ".palette-policy-ignore"]
)


@SLOW
@given(
    st.one_of(st.just(VALID_TOPOLOGY), DOCS.map(yaml.safe_dump), st.text(max_size=200)),
    st.lists(st.tuples(FILE_NAMES, st.one_of(st.text(max_size=200), DOCS.map(json.dumps), hcl())), max_size=3),
)
def test_cli_entry_point(topology: str, files: list[tuple[str, str]]) -> None:
    from tests.helpers import Cli

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "palette-network.yaml").write_text(topology, encoding="utf-8")
        for name, text in files:
            (root / name).write_text(text, encoding="utf-8")
        result = Cli()("validate", root)
    assert result.exit_code in (0, 1, 2)
    if result.exit_code == 2:
        err = result.stderr.strip()
        assert len(err.splitlines()) == 1 and "internal error" not in err and "Traceback" not in err, err
