"""Network ACL semantics N1–N4 (docs/semantics.md, AWS VPC user guide "Network ACLs"), rule by rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES, json_report, profile, verdicts, write_files

TOPOLOGY = """
profiles: [t]
management:
  addresses: [10.10.1.0/24]
  subnets: [{mgmt_subnet}]
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
    subnets: [{workers_subnet}]
"""

SUBNETS = """
resource "aws_subnet" "mgmt" {
  vpc_id = "vpc-1"
  cidr_block = "10.10.1.0/24"
}
resource "aws_subnet" "workers" {
  vpc_id = "vpc-1"
  cidr_block = "10.20.1.0/24"
}
"""


def acl(name: str, subnet: str, entries: list[tuple[str, int, str, str, int, int, str]]) -> str:
    """entries: (ingress|egress, rule_no, action, protocol, from, to, cidr)."""
    body = "".join(
        f'  {d} {{\n    rule_no = {n}\n    action = "{a}"\n    protocol = "{p}"\n    from_port = {lo}\n'
        f'    to_port = {hi}\n    {"ipv6_cidr_block" if ":" in c else "cidr_block"} = "{c}"\n  }}\n'
        for d, n, a, p, lo, hi, c in entries
    )
    return (
        f'resource "aws_network_acl" "{name}" {{\n  vpc_id = "vpc-1"\n'
        f"  subnet_ids = [aws_subnet.{subnet}.id]\n{body}}}\n"
    )


OPEN_ALL = [("ingress", 100, "allow", "-1", 0, 0, "0.0.0.0/0"), ("egress", 100, "allow", "-1", 0, 0, "0.0.0.0/0")]


def run(
    tmp: Path,
    tf: str,
    mgmt_subnet: str = "aws_subnet.mgmt",
    workers_subnet: str = "aws_subnet.workers",
    port: str = "443",
) -> str:
    write_files(
        tmp,
        {
            "palette-network.yaml": TOPOLOGY.format(mgmt_subnet=mgmt_subnet, workers_subnet=workers_subnet),
            "main.tf": SUBNETS + tf,
        },
    )
    pdir = profile(tmp, "t", [("agent", "workload", "management", "tcp", port)])
    return verdicts(tmp, pdir, "t")["agent:prod->management"]


def test_n1_subnet_without_declared_acl_uses_the_default_allow_all(tmp_path: Path) -> None:
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL)) == "reachable"


def test_n1_custom_acl_without_rules_denies_everything(tmp_path: Path) -> None:
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", [])) == "blocked"


def test_n2_lowest_rule_number_wins_whatever_the_file_order(tmp_path: Path) -> None:
    entries = [
        ("egress", 200, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("egress", 100, "deny", "tcp", 443, 443, "10.10.0.0/16"),
        ("ingress", 100, "allow", "tcp", 1024, 65535, "0.0.0.0/0"),
    ]
    assert run(tmp_path / "deny-first", acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == "blocked"
    entries[1] = ("egress", 300, "deny", "tcp", 443, 443, "10.10.0.0/16")
    assert run(tmp_path / "allow-first", acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == "reachable"


def test_n2_ipv6_entries_do_not_match_ipv4(tmp_path: Path) -> None:
    entries = [("egress", 100, "allow", "-1", 0, 0, "::/0"), ("ingress", 100, "allow", "-1", 0, 0, "0.0.0.0/0")]
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == "blocked"


def test_n2_a_deny_covering_part_of_the_destination_is_partial(tmp_path: Path) -> None:
    entries = [
        ("egress", 100, "deny", "tcp", 443, 443, "10.10.1.0/25"),
        ("egress", 200, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("ingress", 100, "allow", "tcp", 1024, 65535, "0.0.0.0/0"),
    ]
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == "partial"


@pytest.mark.parametrize(
    ("lo", "hi", "verdict"), [(1024, 65535, "reachable"), (32768, 61000, "partial"), (22, 22, "blocked")]
)
def test_n3_replies_need_the_clients_ephemeral_ports_inbound(tmp_path: Path, lo: int, hi: int, verdict: str) -> None:
    entries = [
        ("egress", 100, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("ingress", 100, "allow", "tcp", lo, hi, "10.10.0.0/16"),
    ]
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == verdict


def test_n3_server_side_acl_must_let_replies_out(tmp_path: Path) -> None:
    server = [
        ("ingress", 100, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("egress", 100, "allow", "tcp", 443, 443, "0.0.0.0/0"),
    ]  # no ephemeral outbound
    assert run(tmp_path, acl("m", "mgmt", server) + acl("w", "workers", OPEN_ALL)) == "blocked"


def test_n4_traffic_inside_one_subnet_does_not_cross_its_acl(tmp_path: Path) -> None:
    # both endpoints in the workers subnet, whose ACL denies everything
    assert run(tmp_path, acl("w", "workers", []), mgmt_subnet="aws_subnet.workers") == "reachable"


def test_n4_acls_and_groups_must_all_allow(tmp_path: Path) -> None:
    tf = (
        acl("m", "mgmt", OPEN_ALL)
        + acl("w", "workers", OPEN_ALL)
        + ('resource "aws_security_group" "workers" {\n  name = "workers"\n}\n')
    )
    write_files(
        tmp_path,
        {
            "palette-network.yaml": TOPOLOGY.format(
                mgmt_subnet="aws_subnet.mgmt", workers_subnet="aws_subnet.workers"
            ).replace(
                "    subnets: [aws_subnet.workers]", "    subnets: [aws_subnet.workers]\n    security_groups: [workers]"
            ),
            "main.tf": SUBNETS + tf,
        },
    )
    pdir = profile(tmp_path, "t", [("agent", "workload", "management", "tcp", "443")])
    assert verdicts(tmp_path, pdir, "t")["agent:prod->management"] == "blocked"  # the group has no egress


CFN = """
Resources:
  WorkersSubnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-1, CidrBlock: 10.20.1.0/24, Tags: [{Key: Name, Value: workers}]}
  WorkersAcl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: vpc-1}
  Assoc:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref WorkersSubnet, NetworkAclId: !Ref WorkersAcl}
  OutHttps:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref WorkersAcl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: true,
                 CidrBlock: 0.0.0.0/0, PortRange: {From: 443, To: 443}}
  InReplies:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref WorkersAcl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: false,
                 CidrBlock: 0.0.0.0/0, PortRange: {From: 32768, To: 61000}}
"""

DESCRIBE = """
{"Subnets": [{"SubnetId": "subnet-0w", "CidrBlock": "10.20.1.0/24", "VpcId": "vpc-1"}],
 "NetworkAcls": [{"NetworkAclId": "acl-0w", "VpcId": "vpc-1", "IsDefault": false,
   "Associations": [{"NetworkAclAssociationId": "aclassoc-1", "NetworkAclId": "acl-0w", "SubnetId": "subnet-0w"}],
   "Entries": [
     {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0",
      "PortRange": {"From": 443, "To": 443}},
     {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true, "CidrBlock": "0.0.0.0/0"},
     {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0",
      "PortRange": {"From": 32768, "To": 61000}},
     {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"}]}]}
"""


@pytest.mark.parametrize(
    ("name", "text", "subnet"), [("cfn.yaml", CFN, "workers"), ("acls.json", DESCRIBE, "subnet-0w")]
)
def test_cloudformation_and_describe_acls_agree_with_terraform(
    tmp_path: Path, name: str, text: str, subnet: str
) -> None:
    tf_entries = [
        ("egress", 100, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("ingress", 100, "allow", "tcp", 32768, 61000, "0.0.0.0/0"),
    ]
    expected = run(tmp_path / "tf", acl("w", "workers", tf_entries))
    assert expected == "partial"
    write_files(
        tmp_path / "other",
        {
            "palette-network.yaml": TOPOLOGY.format(mgmt_subnet=subnet, workers_subnet=subnet).replace(
                f"  subnets: [{subnet}]\nclusters", "clusters"
            ),
            name: text,
        },
    )
    pdir = profile(tmp_path / "other", "t", [("agent", "workload", "management", "tcp", "443")])
    assert verdicts(tmp_path / "other", pdir, "t")["agent:prod->management"] == expected


def test_fixture_nacl_without_return_range_is_partial_and_names_the_entry(cli) -> None:
    code, report = json_report(cli, FIXTURES / "self-hosted-nacl-no-return")
    assert code == 1
    bad = {r["requirement"]: r for r in report["results"] if r["verdict"] != "reachable"}
    assert set(bad) == {"sh-agent-https", "sh-agent-nats", "sh-workload-vcenter", "sh-workload-registry"}
    assert {r["verdict"] for r in bad.values()} == {"partial"}
    layer = next(layer for layer in bad["sh-workload-vcenter"]["hops"][0]["layers"] if layer["decision"] != "allow")
    assert layer["layer"].startswith("return traffic: inbound ACL of prod")
    assert [(r["file"], r["line"]) for r in layer["allowed_by"]] == [("network.tf", 96)]  # the 32768-61000 entry
    assert layer["blocked_by"][0]["rule"].startswith("* (implicit final rule) deny")
    assert "1024-32767,61001-65535" in layer["message"]
    assert json_report(cli, FIXTURES / "self-hosted-nacl-ok")[0] == 0


def test_a_blocking_acl_message_says_which_way_it_is_crossed(cli, tmp_path: Path) -> None:
    """Both subnets may share one ACL: its message names the side (inbound of the destination) it blocks on."""
    entries = [
        ("egress", 100, "allow", "-1", 0, 0, "0.0.0.0/0"),
        ("ingress", 100, "allow", "tcp", 1024, 65535, "0.0.0.0/0"),
    ]
    write_files(
        tmp_path,
        {
            "palette-network.yaml": TOPOLOGY.format(mgmt_subnet="aws_subnet.mgmt", workers_subnet="aws_subnet.workers"),
            "main.tf": SUBNETS + acl("mgmt", "mgmt", entries),
        },
    )
    pdir = profile(tmp_path, "t", [("agent", "workload", "management", "tcp", "443")])
    _, report = json_report(cli, str(tmp_path), "--profiles-dir", str(pdir))
    layer = next(x for x in report["results"][0]["hops"][0]["layers"] if x["decision"] == "deny")
    assert layer["layer"] == "inbound ACL of management (aws_network_acl.mgmt)"
    assert layer["message"].startswith("inbound ACL of management (aws_network_acl.mgmt) has no rule allowing tcp/443")


def test_a_partial_return_leg_names_the_far_end_it_comes_from_not_another_on_the_same_addresses(
    cli, tmp_path: Path
) -> None:
    """management and registries are both the internet: the replies of prod -> registries come from registries,
    so the message names no other endpoint on those addresses (not "from management (internet)")."""
    entries = [
        ("egress", 100, "allow", "-1", 0, 0, "0.0.0.0/0"),
        ("ingress", 150, "deny", "tcp", 3389, 3389, "0.0.0.0/0"),
        ("ingress", 200, "allow", "tcp", 1024, 65535, "0.0.0.0/0"),
    ]
    write_files(
        tmp_path,
        {
            "palette-network.yaml": (
                "profiles: [t]\nmanagement:\n  addresses: [internet]\nregistries:\n  addresses: [internet]\n"
                "clusters:\n  - name: prod\n    nodes: [10.20.1.0/24]\n    subnets: [aws_subnet.workers]\n"
            ),
            "main.tf": SUBNETS + acl("w", "workers", entries),
        },
    )
    pdir = profile(tmp_path, "t", [("reg", "workload", "registry", "tcp", "443")])
    _, report = json_report(cli, str(tmp_path), "--profiles-dir", str(pdir))
    (result,) = report["results"]
    assert result["verdict"] == "partial"
    layer = next(x for x in result["hops"][0]["layers"] if x["decision"] == "partial")
    assert layer["message"].endswith("not tcp/3389 from internet"), layer["message"]
    assert "management" not in result["summary"]


def test_replies_that_get_back_only_to_sources_the_request_never_leaves_from_is_blocked(tmp_path: Path) -> None:
    """The management group admits only the lower half of the nodes; the lower half's ACL lets no reply in
    (N3), the upper half has the default ACL. No source both gets its request in and its replies back: blocked,
    not partial (partial needs a part that gets through, N3 'less is partial' is about the ports of one flow)."""
    write_files(
        tmp_path,
        {
            "palette-network.yaml": (
                "profiles: [t]\nmanagement:\n  addresses: [10.10.1.0/24]\n  security_groups: [aws_security_group.m]\n"
                "clusters:\n  - name: prod\n    nodes: [10.20.1.0/24]\n    subnets: [aws_subnet.low, aws_subnet.high]\n"
            ),
            "main.tf": (
                'resource "aws_subnet" "low" {\n  vpc_id = "vpc-1"\n  cidr_block = "10.20.1.0/25"\n}\n'
                'resource "aws_subnet" "high" {\n  vpc_id = "vpc-1"\n  cidr_block = "10.20.1.128/25"\n}\n'
                + acl("low", "low", [("egress", 100, "allow", "-1", 0, 0, "0.0.0.0/0")])
                + 'resource "aws_security_group" "m" {\n  name = "m"\n  ingress {\n    from_port = 443\n'
                '    to_port = 443\n    protocol = "tcp"\n    cidr_blocks = ["10.20.1.0/25"]\n  }\n}\n'
            ),
        },
    )
    pdir = profile(tmp_path, "t", [("agent", "workload", "management", "tcp", "443")])
    assert verdicts(tmp_path, pdir, "t")["agent:prod->management"] == "blocked"
    # the same with the replies let in on part of the ephemeral range only: partial (N3), as before
    (tmp_path / "main.tf").write_text(
        (tmp_path / "main.tf")
        .read_text()
        .replace(
            '    cidr_block = "0.0.0.0/0"\n  }\n}\n',
            '    cidr_block = "0.0.0.0/0"\n  }\n  ingress {\n    rule_no = 100\n    action = "allow"\n'
            '    protocol = "tcp"\n    from_port = 32768\n    to_port = 61000\n    cidr_block = "0.0.0.0/0"\n  }\n}\n',
            1,
        )
    )
    assert verdicts(tmp_path, pdir, "t")["agent:prod->management"] == "partial"


@pytest.mark.parametrize("deny_first", [True, False])
def test_n2_one_rule_number_on_two_entries_is_unknown_whatever_their_order(tmp_path: Path, deny_first: bool) -> None:
    """AWS keeps one entry per rule number and direction and refuses the other: which one exists depends on
    which is created first, so neither decides (not the one written first)."""
    entries = [
        ("egress", 100, "deny", "tcp", 443, 443, "0.0.0.0/0"),
        ("egress", 100, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("ingress", 100, "allow", "-1", 0, 0, "0.0.0.0/0"),
    ]
    if not deny_first:
        entries[0], entries[1] = entries[1], entries[0]
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == "unknown"


def test_n2_one_rule_number_on_entries_that_match_different_traffic_still_decides(tmp_path: Path) -> None:
    entries = [
        ("egress", 100, "allow", "tcp", 443, 443, "0.0.0.0/0"),
        ("egress", 100, "deny", "tcp", 443, 443, "::/0"),  # IPv6 only: no flow here meets both
        ("ingress", 100, "allow", "-1", 0, 0, "0.0.0.0/0"),
    ]
    assert run(tmp_path, acl("m", "mgmt", OPEN_ALL) + acl("w", "workers", entries)) == "reachable"
