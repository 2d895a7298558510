"""CloudFormation read as AWS deploys it: canonical CIDRs, the default egress rules (A3), intrinsics evaluated
by resource type and attribute, parameters from defaults, the command line and parameter files.

Each test builds a small network in the real format and checks the verdicts or the inventory `input` prints;
the expectations come from AWS's documentation (quoted in docs/semantics.md and tests/corpus/cloudformation).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, json_report, profile, write_files
from validator.cli.pipeline import Options, run
from validator.ingest.loaders.cloudformation_values import StackInputs

CORPUS = ROOT / "tests" / "corpus" / "cloudformation"
EC2_SAMPLE = CORPUS / "ec2-instance-sg-noncanonical-default" / "template.yaml"

TOPOLOGY = """
profiles: [t]
management:
  addresses: [{mgmt}]
  security_groups: [Mgmt]
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
    security_groups: [Workers]
"""

MGMT = """
  Mgmt:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: management
      SecurityGroupIngress:
        - {IpProtocol: "-1", CidrIp: 0.0.0.0/0}
        - {IpProtocol: "-1", CidrIpv6: "::/0"}
"""


def _verdict(tmp: Path, template: str, mgmt: str = "10.10.1.0/24", stack: StackInputs | None = None) -> str:
    write_files(tmp, {"palette-network.yaml": TOPOLOGY.format(mgmt=mgmt), "cfn.yaml": template})
    pdir = profile(tmp, "t", [("https", "workload", "management", "tcp", "443")])
    report = run(Options(path=tmp, profiles=["t"], profiles_dirs=[pdir], stack=stack))
    (result,) = report.results
    return result.verdict


def _inventory(cli: Any, path: Path, *args: Any) -> dict[str, Any]:
    """`input PATH`; beside a topology written by ``_verdict``, with its test profile."""
    profiles = path.parent / "_profiles"
    result = cli("input", path, *args, *(("--profiles-dir", profiles) if profiles.is_dir() else ()))
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _rules(doc: dict[str, Any], key_suffix: str) -> list[dict[str, Any]]:
    (point,) = [p for p in doc["resources"]["enforcement_points"] if p["key"].endswith(key_suffix)]
    return point["rules"]


# -- CIDRs as EC2 stores them -----------------------------------------------------------------------------------


def test_a_cidr_with_host_bits_is_read_as_aws_stores_it_and_reported(cli, tmp_path: Path) -> None:
    """AWS's own EC2 sample defaults SSHLocation to 192.168.1.0/0: EC2 stores 0.0.0.0/0, SSH open to the world."""
    shutil.copy(EC2_SAMPLE, tmp_path / "template.yaml")
    write_files(
        tmp_path,
        {
            "palette-network.yaml": "profiles: [saas]\nmanagement: {hosts: [api.spectrocloud.com], "
            "addresses: [internet]}\nclusters:\n  - {name: prod, nodes: [10.20.1.0/24], "
            "security_groups: [InstanceSecurityGroup]}\n"
        },
    )
    code, report = json_report(cli, tmp_path)
    assert code == 1  # findings, not an input error
    by_id = {f["id"]: f for f in report["findings"]}
    cidr = by_id["PP-CIDR-NOT-CANONICAL"]
    assert cidr["kind"] == "deny"  # canonical form 0.0.0.0/0 is wider than /8
    assert (cidr["locations"][0]["file"], cidr["locations"][0]["line"]) == ("template.yaml", 100)
    assert "192.168.1.0/0" in cidr["message"] and "0.0.0.0/0" in cidr["message"]
    assert "template.yaml" in by_id["PP-EXPOSED-PORT"]["message"]  # the rewritten rule opens SSH to the internet


def test_a_narrow_cidr_with_host_bits_is_a_warning_and_matches_the_whole_network(cli, tmp_path: Path) -> None:
    template = (
        "Resources:"
        + MGMT.replace("CidrIp: 0.0.0.0/0", "CidrIp: 10.20.9.9/16").replace(
            '- {IpProtocol: "-1", CidrIpv6: "::/0"}', ""
        )
        + """
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: workers, VpcId: vpc-1}
"""
    )
    assert _verdict(tmp_path, template) == "reachable"  # 10.20.0.0/16 covers the workers
    doc = _inventory(cli, tmp_path / "cfn.yaml")
    (issue,) = doc["issues"]
    assert issue["details"] == {"written": "10.20.9.9/16", "canonical": "10.20.0.0/16"}
    code, report = json_report(cli, tmp_path, "--profiles-dir", tmp_path / "_profiles")
    (finding,) = [f for f in report["findings"] if f["id"] == "PP-CIDR-NOT-CANONICAL"]
    assert finding["kind"] == "warn"


def test_describe_output_with_host_bits_is_canonicalized(cli, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "sgs.json": '{"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "w", "IpPermissions": [], '
            '"IpPermissionsEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, '
            '"IpRanges": [{"CidrIp": "10.0.0.1/8"}]}]}]}'
        },
    )
    doc = _inventory(cli, tmp_path)
    assert _rules(doc, "sg-1")[0]["cidrs"] == ["10.0.0.0/8"]
    assert doc["issues"][0]["kind"] == "cidr-not-canonical" and doc["issues"][0]["line"] == 1


# -- default egress (A3) -------------------------------------------------------------------------------------------

WORKERS_IN = """
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{CidrBlock: 10.20.0.0/16}}
{ipv6}
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties: {{GroupDescription: workers, VpcId: {vpc}}}
"""
AMAZON_IPV6 = """
  Ipv6:
    Type: AWS::EC2::VPCCidrBlock
    Properties: {VpcId: !Ref Vpc, AmazonProvidedIpv6CidrBlock: true}
"""


@pytest.mark.parametrize(
    ("ipv6", "vpc", "verdict"),
    [
        ("", "!Ref Vpc", "blocked"),  # a VPC without IPv6: AWS adds no ::/0 rule
        (AMAZON_IPV6, "!Ref Vpc", "reachable"),  # the VPC gets an IPv6 block: ::/0 is added
        ("", "vpc-0a1b2c3d", "unknown"),  # a VPC outside the template: whether ::/0 exists is unknown
        ("", "!ImportValue shared-vpc", "unknown"),
    ],
)
def test_default_ipv6_egress_exists_only_in_a_vpc_with_ipv6(tmp_path: Path, ipv6: str, vpc: str, verdict: str) -> None:
    template = "Resources:" + MGMT + WORKERS_IN.format(ipv6=ipv6, vpc=vpc)
    assert _verdict(tmp_path, template, mgmt="2001:db8:10::/64") == verdict
    assert _verdict(tmp_path / "v4", template) == "reachable"  # 0.0.0.0/0 is always added


def test_only_the_groups_own_egress_property_removes_the_default_egress(cli, tmp_path: Path) -> None:
    template = (
        "Resources:"
        + WORKERS_IN.format(ipv6="", vpc="!Ref Vpc")
        + """
  WorkersOut:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: {GroupId: !Ref Workers, IpProtocol: tcp, FromPort: 4222, ToPort: 4222, CidrIp: 10.10.1.0/24}
  Own:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: own egress
      VpcId: !Ref Vpc
      SecurityGroupEgress: [{IpProtocol: tcp, FromPort: 4222, ToPort: 4222, CidrIp: 10.10.1.0/24}]
"""
    )
    write_files(tmp_path, {"cfn.yaml": template})
    doc = _inventory(cli, tmp_path / "cfn.yaml")
    workers = _rules(doc, "#Workers")
    assert [r["implicit"] for r in workers] == ["aws-default-egress", ""]
    assert workers[0]["implicit_source"].startswith("https://docs.aws.amazon.com/")
    assert [r["implicit"] for r in _rules(doc, "#Own")] == [""]


# -- intrinsics ----------------------------------------------------------------------------------------------------


def test_a_classic_elb_source_group_is_the_group_elb_creates_not_the_load_balancer(cli) -> None:
    doc = _inventory(cli, CORPUS / "elb-classic-source-sg-json" / "template.json")
    (from_elb,) = [r for r in _rules(doc, "#InstanceSecurityGroup") if r["ports_text"] == "80"]
    assert from_elb["groups"] == ["template.json#ElasticLoadBalancer.SourceSecurityGroup"]
    assert "template.json#ElasticLoadBalancer" not in from_elb["groups"]


def test_sub_findinmap_and_parameters_resolve_from_defaults(tmp_path: Path) -> None:
    template = """
Parameters:
  Workers: {Type: String, Default: 10.20.1.0/24}
  Env: {Type: String, Default: prod}
Mappings:
  Nets: {prod: {Mgmt: 10.10.1.0/24}, test: {Mgmt: 10.99.0.0/16}}
Resources:
  Mgmt:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: management
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Sub "${Workers}"}]
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: workers
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !FindInMap [Nets, !Ref Env, Mgmt]}
"""
    assert _verdict(tmp_path / "defaults", template) == "reachable"
    assert _verdict(tmp_path / "given", template, stack=StackInputs({"Env": "test"})) == "blocked"
    assert _verdict(tmp_path / "other", template, stack=StackInputs({"Workers": "10.30.0.0/16"})) == "blocked"


REGIONAL = """
Mappings:
  Regions: {us-east-1: {Mgmt: 10.10.1.0/24}, eu-west-1: {Mgmt: 10.77.0.0/16}}
Resources:
  Mgmt:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: management
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.20.0.0/16}]
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: workers
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !FindInMap [Regions, !Ref "AWS::Region", Mgmt]}
"""


def test_findinmap_over_the_region_is_unknown_with_each_regions_value_until_a_region_is_given(cli, tmp_path) -> None:
    assert _verdict(tmp_path / "none", REGIONAL) == "unknown"
    assert _verdict(tmp_path / "us", REGIONAL, stack=StackInputs(region="us-east-1")) == "reachable"
    assert _verdict(tmp_path / "eu", REGIONAL, stack=StackInputs(region="eu-west-1")) == "blocked"
    (rule,) = _rules(_inventory(cli, tmp_path / "none" / "cfn.yaml"), "#Workers")
    (unknown,) = rule["unknown"]
    assert unknown["field"] == "cidr_ipv4"
    assert unknown["expression"] == "!FindInMap [Regions, !Ref AWS::Region, Mgmt]"
    assert "us-east-1 → 10.10.1.0/24" in unknown["reason"] and "eu-west-1 → 10.77.0.0/16" in unknown["reason"]
    with_region = _inventory(cli, tmp_path / "none" / "cfn.yaml", "--region", "eu-west-1")
    assert _rules(with_region, "#Workers")[0]["cidrs"] == ["10.77.0.0/16"]


def test_if_on_an_undecidable_condition_keeps_both_branches_as_rules_that_may_not_exist(cli, tmp_path) -> None:
    template = """
Parameters:
  Open: {Type: String}
Conditions:
  IsOpen: !Equals [!Ref Open, "yes"]
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress: !If
        - IsOpen
        - [{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}]
        - [{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}]
"""
    write_files(tmp_path, {"cfn.yaml": template})
    ingress = [r for r in _rules(_inventory(cli, tmp_path / "cfn.yaml"), "#Web") if r["direction"] == "ingress"]
    assert sorted(r["cidrs"][0] for r in ingress) == ["0.0.0.0/0", "10.0.0.0/8"]
    for rule in ingress:
        (unknown,) = rule["unknown"]
        assert unknown["field"] == "rule" and "IsOpen" in unknown["reason"] and "Open" in unknown["reason"]
    decided = _inventory(cli, tmp_path / "cfn.yaml", "--parameter", "Open=no")
    assert [(r["cidrs"], r["unknown"]) for r in _rules(decided, "#Web") if r["direction"] == "ingress"] == [
        (["10.0.0.0/8"], [])
    ]


def test_imports_and_nested_stack_outputs_are_unknown_with_their_reason(cli) -> None:
    doc = _inventory(cli, CORPUS / "written-parent-stack-outputs" / "template.yaml")
    ssh = next(r for r in _rules(doc, "#AppGroup") if r["ports_text"] == "22")
    (unknown,) = ssh["unknown"]
    assert unknown["field"] == "cidr_ipv4" and unknown["expression"] == "!GetAtt Network.Outputs.BastionCidr"
    assert "nested stack Network" in unknown["reason"]
    imported = next(p for p in doc["resources"]["enforcement_points"] if "ImportValue" in p["key"])
    assert "shared-admin-group" in imported["unresolved"][0]


def test_a_condition_that_cannot_be_decided_makes_the_resource_exist_unknown(tmp_path: Path) -> None:
    template = "Parameters:\n  Make: {Type: String}\nConditions:\n  Made: !Equals [!Ref Make, 'yes']\nResources:"
    template += (
        MGMT
        + """
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: workers
      SecurityGroupEgress: [{IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}]
  WorkersOut:
    Type: AWS::EC2::SecurityGroupEgress
    Condition: Made
    Properties: {GroupId: !Ref Workers, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
"""
    )
    assert _verdict(tmp_path / "unknown", template) == "unknown"
    assert _verdict(tmp_path / "made", template, stack=StackInputs({"Make": "yes"})) == "reachable"
    assert _verdict(tmp_path / "not", template, stack=StackInputs({"Make": "no"})) == "blocked"


def test_what_cloudformation_would_refuse_is_a_located_input_error(cli, tmp_path: Path) -> None:
    template = """
Parameters:
  Cidrs: {Type: CommaDelimitedList, Default: "10.0.0.0/8"}
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Select [3, !Ref Cidrs]}
"""
    write_files(tmp_path, {"cfn.yaml": template})
    result = cli("input", tmp_path / "cfn.yaml")
    assert result.exit_code == 2
    assert "cfn.yaml:9" in result.stderr and "out of range" in result.stderr and "Traceback" not in result.stderr


# -- parameters from the command line and parameter files ------------------------------------------------------------

PARAMETERISED = """
Parameters:
  Admin: {Type: String, Default: 10.0.0.0/8}
  Port: {Type: Number, Default: 22}
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupEgress: [{IpProtocol: tcp, FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: !Ref Admin}]
"""


def _egress(cli: Any, path: Path, *args: str) -> tuple[list[str], str]:
    (rule,) = _rules(_inventory(cli, path, *args), "#Web")
    return rule["cidrs"], rule["ports_text"]


def test_parameter_values_come_from_defaults_files_and_the_command_line_in_that_order(cli, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "cfn.yaml": PARAMETERISED,
            "cli-form.json": '[{"ParameterKey": "Admin", "ParameterValue": "192.0.2.0/24"}, '
            '{"ParameterKey": "Port", "ParameterValue": "2222"}]',
            "pipeline-form.json": '{"Parameters": {"Admin": "198.51.100.0/24"}}',
        },
    )
    template = tmp_path / "cfn.yaml"
    assert _egress(cli, template) == (["10.0.0.0/8"], "22")
    assert _egress(cli, template, "--parameter-file", tmp_path / "cli-form.json") == (["192.0.2.0/24"], "2222")
    both = ("--parameter-file", tmp_path / "cli-form.json", "--parameter-file", tmp_path / "pipeline-form.json")
    assert _egress(cli, template, *both) == (["198.51.100.0/24"], "2222")
    assert _egress(cli, template, *both, "--parameter", "Port=443") == (["198.51.100.0/24"], "443")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parameter", "Admin"], "not NAME=VALUE"),
        (["--parameter-file", "missing.json"], "missing.json: parameter file not found"),
        (["--parameter-file", "bad.json"], "bad.json:1: not a parameter file"),
        (["--region", "Europe"], "not an AWS region name"),
    ],
)
def test_bad_parameters_are_one_line_errors(cli, tmp_path: Path, args: list[str], message: str) -> None:
    write_files(tmp_path, {"cfn.yaml": PARAMETERISED, "bad.json": '{"Admin": "x"}'})
    result = cli("input", tmp_path / "cfn.yaml", *[a if not a.endswith(".json") else tmp_path / a for a in args])
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_validate_explain_and_diff_take_the_parameters(cli, tmp_path: Path) -> None:
    template = (
        "Parameters:\n  Mgmt: {Type: String, Default: 10.99.0.0/16}\nResources:"
        + MGMT
        + """
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: workers
      SecurityGroupEgress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Ref Mgmt}]
"""
    )
    write_files(tmp_path / "net", {"palette-network.yaml": TOPOLOGY.format(mgmt="10.10.1.0/24"), "cfn.yaml": template})
    net = tmp_path / "net"
    given = ("--parameter", "Mgmt=10.10.0.0/16")
    explain = ("explain", net, "--from", "prod", "--to", "management", "--port", "443")
    assert cli(*explain).exit_code == 1
    assert cli(*explain, *given).exit_code == 0
    pdir = profile(tmp_path, "t", [("https", "workload", "management", "tcp", "443")])
    validate = ("validate", net, "--profile", "t", "--profiles-dir", pdir)
    assert cli(*validate).exit_code == 1 and cli(*validate, *given).exit_code == 0
    diff = cli("diff", net, net, "--profile", "t", "--profiles-dir", pdir, *given, "--format", "json")
    assert diff.exit_code == 0 and json.loads(diff.stdout)


def test_a_macro_or_foreach_the_template_depends_on_is_reported_not_ignored(cli, tmp_path: Path) -> None:
    template = """
Transform: [AWS::LanguageExtensions, CompanyNetworkMacro]
Resources:
  Fn::ForEach::Groups:
    - Name
    - [A, B]
    - ${Name}Group:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: generated}
  Network:
    Type: !Rain::Module modules/vpc.yml
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: web, VpcId: !Ref NetworkVPC}
"""
    write_files(tmp_path, {"cfn.yaml": template})
    doc = _inventory(cli, tmp_path / "cfn.yaml")
    messages = sorted(i["message"] for i in doc["issues"] if i["kind"] == "cfn-not-expanded")
    assert len(messages) == 3 and "Fn::ForEach" in messages[0] and "!Rain::Module modules/vpc.yml" in messages[1]
    assert "CompanyNetworkMacro" in messages[2]
    ipv6_egress = _rules(doc, "#Web")[1]  # NetworkVPC is made by the module: its IPv6 is not known
    assert "made by module Network" in ipv6_egress["unknown"][0]["reason"]
    code, report = json_report(cli, tmp_path, "--profile", "saas", "--topology", _saas_topology(tmp_path))
    assert code == 1 and [f["kind"] for f in report["findings"] if f["id"] == "PP-INPUT-INCOMPLETE"] == ["deny"] * 3


def _saas_topology(tmp: Path) -> Path:
    path = tmp / "topology" / "palette-network.yaml"
    write_files(
        path.parent,
        {
            path.name: "profiles: [saas]\nmanagement: {hosts: [api.spectrocloud.com], "
            "addresses: [internet]}\nclusters:\n  - {name: prod, nodes: [10.20.1.0/24]}\n"
        },
    )
    return path


def test_an_evidence_bundle_records_the_parameters_so_a_rerun_confirms_the_verdicts(cli, tmp_path: Path) -> None:
    template = (
        "Parameters:\n  Mgmt: {Type: String, Default: 10.99.0.0/16}\nResources:"
        + MGMT
        + """
  Workers:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: workers
      SecurityGroupEgress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Ref Mgmt}]
"""
    )
    write_files(tmp_path / "net", {"palette-network.yaml": TOPOLOGY.format(mgmt="10.10.1.0/24"), "cfn.yaml": template})
    pdir = profile(tmp_path, "t", [("https", "workload", "management", "tcp", "443")])
    given = ("--parameter", "Mgmt=10.10.0.0/16", "--region", "eu-west-1")
    run_with = ("validate", tmp_path / "net", "--profile", "t", "--profiles-dir", pdir, *given)
    assert cli(*run_with, "--evidence", tmp_path / "ev").exit_code == 0
    manifest = json.loads((tmp_path / "ev" / "manifest.json").read_text())
    assert manifest["options"]["cloudformation"] == {"parameters": {"Mgmt": "10.10.0.0/16"}, "region": "eu-west-1"}
    confirmed = cli("evidence", "verify", tmp_path / "ev", "--rerun")
    assert confirmed.exit_code == 0 and "verdicts confirmed" in confirmed.stdout


def test_a_tcp_rule_without_its_port_range_is_unknown_saying_ec2_requires_it(cli, tmp_path: Path) -> None:
    """AWS::EC2::SecurityGroup Ingress: FromPort/ToPort are the port range for tcp and udp; EC2 refuses such a
    permission without them, so the rule is not read as all ports, and the reason says what is missing."""
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: x\n"
        "      SecurityGroupIngress:\n        - IpProtocol: tcp\n          CidrIp: 10.0.0.0/8\n"
        "        - IpProtocol: icmp\n          CidrIp: 10.0.0.0/8\n"
    )
    tcp, icmp = [r for r in _rules(_inventory(cli, template), "G") if r["direction"] == "ingress"]
    assert {u["field"] for u in tcp["unknown"]} == {"from_port", "to_port"}
    assert all("EC2 requires it for tcp and udp" in u["reason"] for u in tcp["unknown"])
    assert icmp["unknown"] == []  # ICMP has no port range to miss
