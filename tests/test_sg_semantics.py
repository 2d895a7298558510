"""Security-group semantics A1–A5 (docs/semantics.md, from the AWS VPC user guide and the
IpPermission API reference), one by one, each on a small network written in a real format."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import profile, verdicts, write_files

TOPOLOGY = """
profiles: [t]
management:
  addresses: [10.10.1.0/24]
  security_groups: [{mgmt_groups}]
operators: [198.51.100.0/24]
clusters:
  - name: prod
    nodes: [{nodes}]
    security_groups: [{worker_groups}]
"""


def network(
    tmp: Path,
    tf: str,
    *,
    mgmt_groups: str = "mgmt",
    worker_groups: str = "workers",
    nodes: str = "10.20.1.0/24",
    rows: list[tuple[str, str, str, str, str]] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    files = {"palette-network.yaml": TOPOLOGY.format(mgmt_groups=mgmt_groups, worker_groups=worker_groups, nodes=nodes)}
    if tf:
        files["main.tf"] = tf
    files.update(extra or {})
    write_files(tmp, files)
    pdir = profile(
        tmp,
        "t",
        rows or [("agent", "workload", "management", "tcp", "4222"), ("https", "workload", "management", "tcp", "443")],
    )
    return verdicts(tmp, pdir, "t")


def sg(name: str, body: str = "") -> str:
    return f'resource "aws_security_group" "{name}" {{\n  name = "{name}"\n{body}\n}}\n'


def rule(direction: str, proto: str, lo: int, hi: int, peer: str) -> str:
    return f'  {direction} {{\n    from_port = {lo}\n    to_port = {hi}\n    protocol = "{proto}"\n    {peer}\n  }}\n'


OPEN_IN = rule("ingress", "-1", 0, 0, 'cidr_blocks = ["0.0.0.0/0"]')
OPEN_OUT = rule("egress", "-1", 0, 0, 'cidr_blocks = ["0.0.0.0/0"]')


def test_a1_rules_of_every_group_on_the_interface_are_a_union(tmp_path: Path) -> None:
    tf = (
        sg("mgmt", OPEN_IN)
        + sg("a", rule("egress", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]'))
        + sg("b", rule("egress", "tcp", 4222, 4222, 'cidr_blocks = ["10.10.0.0/16"]'))
    )
    both = network(tmp_path / "both", tf, worker_groups="a, b")
    assert both == {"agent:prod->management": "reachable", "https:prod->management": "reachable"}
    only_a = network(tmp_path / "only_a", tf, worker_groups="a")
    assert only_a == {"agent:prod->management": "blocked", "https:prod->management": "reachable"}


def test_a2_stateful_only_initiator_egress_and_responder_ingress_count(tmp_path: Path) -> None:
    # mgmt has no egress at all and workers no ingress at all: replies need no rule.
    tf = sg("mgmt", rule("ingress", "tcp", 443, 443, 'cidr_blocks = ["10.20.1.0/24"]')) + sg(
        "workers", rule("egress", "tcp", 443, 443, 'cidr_blocks = ["10.10.1.0/24"]')
    )
    assert network(tmp_path, tf)["https:prod->management"] == "reachable"


def test_a2_responder_ingress_is_required(tmp_path: Path) -> None:
    tf = sg("mgmt") + sg("workers", OPEN_OUT)
    assert network(tmp_path, tf)["https:prod->management"] == "blocked"


def test_a3_terraform_group_without_egress_allows_no_outbound(tmp_path: Path) -> None:
    assert network(tmp_path, sg("mgmt", OPEN_IN) + sg("workers"))["https:prod->management"] == "blocked"


def test_a3_cloudformation_group_without_own_egress_gets_allow_all(tmp_path: Path) -> None:
    cfn = """
    Resources:
      Mgmt:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupName: mgmt
          GroupDescription: m
          SecurityGroupIngress: [{IpProtocol: "-1", CidrIp: 0.0.0.0/0}]
      Workers:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupName: workers, GroupDescription: w}
    """
    got = network(tmp_path / "default", "", extra={"cfn.yaml": cfn})
    assert got == {"agent:prod->management": "reachable", "https:prod->management": "reachable"}
    # A standalone egress rule is added after the group is created: the default rule stays, all still leaves.
    standalone = (
        cfn
        + """
      WorkersOut:
        Type: AWS::EC2::SecurityGroupEgress
        Properties: {GroupId: !Ref Workers, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
    """
    )
    got = network(tmp_path / "standalone", "", extra={"cfn.yaml": standalone})
    assert got == {"agent:prod->management": "reachable", "https:prod->management": "reachable"}
    # The group's own SecurityGroupEgress property replaces the default one: now only 443 leaves.
    narrowed = cfn.replace(
        "Properties: {GroupName: workers, GroupDescription: w}",
        "Properties: {GroupName: workers, GroupDescription: w, SecurityGroupEgress: "
        "[{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}]}",
    )
    got = network(tmp_path / "narrowed", "", extra={"cfn.yaml": narrowed})
    assert got == {"agent:prod->management": "blocked", "https:prod->management": "reachable"}


def test_a3_describe_output_is_taken_as_is(tmp_path: Path) -> None:
    describe = """
    {"SecurityGroups": [
      {"GroupId": "sg-1", "GroupName": "mgmt", "IpPermissions": [
         {"IpProtocol": "-1", "IpRanges": [], "UserIdGroupPairs": [{"GroupId": "sg-2"}]}],
       "IpPermissionsEgress": []},
      {"GroupId": "sg-2", "GroupName": "workers", "IpPermissions": [],
       "IpPermissionsEgress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}]}
    """
    got = network(tmp_path, "", extra={"sgs.json": describe})
    assert got == {"agent:prod->management": "blocked", "https:prod->management": "reachable"}


def test_a4_ipv4_and_ipv6_match_separately(tmp_path: Path) -> None:
    tf = sg("mgmt", OPEN_IN) + sg("workers", rule("egress", "-1", 0, 0, 'ipv6_cidr_blocks = ["::/0"]'))
    assert network(tmp_path, tf)["https:prod->management"] == "blocked"


def test_a4_group_reference_matches_members_only(tmp_path: Path) -> None:
    tf = sg("mgmt", rule("ingress", "tcp", 443, 443, "security_groups = [aws_security_group.workers.id]")) + sg(
        "workers", OPEN_OUT
    )
    write_files(
        tmp_path,
        {
            "palette-network.yaml": TOPOLOGY.format(mgmt_groups="mgmt", worker_groups="workers", nodes="10.20.1.0/24"),
            "main.tf": tf,
        },
    )
    pdir = profile(
        tmp_path,
        "t",
        [("https", "workload", "management", "tcp", "443"), ("ui", "browser", "management", "tcp", "443")],
    )
    got = verdicts(tmp_path, pdir, "t")
    assert got["https:prod->management"] == "reachable"  # prod carries the group
    assert got["ui:operators->management"] == "blocked"  # operators do not


def test_a4_self_reference_admits_members_of_the_group(tmp_path: Path) -> None:
    tf = sg("workers", rule("ingress", "tcp", 10250, 10250, "self = true") + OPEN_OUT)
    write_files(
        tmp_path,
        {
            "palette-network.yaml": TOPOLOGY.format(
                mgmt_groups="workers", worker_groups="workers", nodes="10.20.1.0/24"
            ),
            "main.tf": tf,
        },
    )
    pdir = profile(
        tmp_path,
        "t",
        [("kubelet", "workload", "workload", "tcp", "10250"), ("other", "workload", "workload", "tcp", "10251")],
    )
    got = verdicts(tmp_path, pdir, "t")
    assert got == {"kubelet:prod->prod": "reachable", "other:prod->prod": "blocked"}


def test_a4_prefix_lists_declared_in_the_repo_resolve(tmp_path: Path) -> None:
    tf = (
        sg("mgmt", OPEN_IN)
        + sg("workers", rule("egress", "tcp", 443, 443, "prefix_list_ids = [aws_ec2_managed_prefix_list.m.id]"))
        + 'resource "aws_ec2_managed_prefix_list" "m" {\n  name = "mgmt"\n  address_family = "IPv4"\n'
        '  max_entries = 2\n  entry {\n    cidr = "10.10.0.0/16"\n  }\n}\n'
    )
    assert network(tmp_path, tf)["https:prod->management"] == "reachable"


def test_a4_undeclared_prefix_list_makes_the_path_unknown_not_reachable(tmp_path: Path) -> None:
    tf = sg("mgmt", OPEN_IN) + sg("workers", rule("egress", "tcp", 443, 443, 'prefix_list_ids = ["pl-0123"]'))
    assert network(tmp_path, tf)["https:prod->management"] == "unknown"


def test_a5_protocol_minus_one_means_all_ports_whatever_the_range(tmp_path: Path) -> None:
    tf = sg("mgmt", OPEN_IN) + sg("workers", rule("egress", "-1", 80, 80, 'cidr_blocks = ["0.0.0.0/0"]'))
    got = network(tmp_path, tf)
    assert got == {"agent:prod->management": "reachable", "https:prod->management": "reachable"}


def test_a5_other_protocol_numbers_never_allow_tcp(tmp_path: Path) -> None:
    tf = sg("mgmt", OPEN_IN) + sg(
        "workers",
        rule("egress", "50", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]')
        + rule("egress", "icmp", -1, -1, 'cidr_blocks = ["0.0.0.0/0"]'),
    )
    assert network(tmp_path, tf)["https:prod->management"] == "blocked"


def test_a5_tcp_ranges_are_inclusive(tmp_path: Path) -> None:
    tf = sg("mgmt", OPEN_IN) + sg("workers", rule("egress", "tcp", 443, 4222, 'cidr_blocks = ["0.0.0.0/0"]'))
    got = network(tmp_path / "in", tf)
    assert got == {"agent:prod->management": "reachable", "https:prod->management": "reachable"}
    tf = sg("mgmt", OPEN_IN) + sg("workers", rule("egress", "tcp", 444, 4221, 'cidr_blocks = ["0.0.0.0/0"]'))
    got = network(tmp_path / "out", tf)
    assert got == {"agent:prod->management": "blocked", "https:prod->management": "blocked"}


def test_partial_names_the_uncovered_sources(tmp_path: Path) -> None:
    from validator.cli.pipeline import Options, run

    tf = sg("mgmt", rule("ingress", "tcp", 443, 443, 'cidr_blocks = ["10.20.1.0/24"]')) + sg("workers", OPEN_OUT)
    network(tmp_path, tf, nodes="10.20.1.0/24, 10.20.2.0/24")
    report = run(Options(path=tmp_path, profiles=["t"], profiles_dirs=[tmp_path / "_profiles"]))
    https = next(r for r in report.results if r.requirement.id == "https")
    assert https.verdict == "partial"
    assert https.uncovered.sources.ranges() == ["10.20.2.0/24"]
    assert "10.20.2.0/24" in https.summary


def test_unresolved_variable_gives_unknown_never_reachable(tmp_path: Path) -> None:
    tf = (
        'variable "mgmt_cidr" {}\n'
        + sg("mgmt", OPEN_IN)
        + sg("workers", rule("egress", "tcp", 443, 443, "cidr_blocks = [var.mgmt_cidr]"))
    )
    assert network(tmp_path, tf)["https:prod->management"] == "unknown"


def test_adding_an_allow_rule_never_blocks_a_reachable_path(tmp_path: Path) -> None:
    base = sg("mgmt", OPEN_IN) + sg("workers", rule("egress", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]'))
    before = network(tmp_path / "before", base)
    more = base.replace(
        '  name = "workers"\n', '  name = "workers"\n' + rule("egress", "udp", 53, 53, 'cidr_blocks = ["10.0.0.0/8"]')
    )
    after = network(tmp_path / "after", more)
    for key, verdict in before.items():
        if verdict == "reachable":
            assert after[key] == "reachable"


def test_two_roots_declaring_the_same_address_stay_two_groups(tmp_path: Path) -> None:
    """Two accounts (two Terraform roots) may both declare aws_security_group.workers; the topology picks one
    with its root-qualified key and the other group's rules do not leak into it."""
    write_files(
        tmp_path,
        {
            "acct-a/main.tf": sg("mgmt", OPEN_IN)
            + sg("workers", rule("egress", "tcp", 4222, 4222, 'cidr_blocks = ["0.0.0.0/0"]')),
            "acct-b/main.tf": sg("workers", rule("egress", "tcp", 443, 443, 'cidr_blocks = ["0.0.0.0/0"]')),
            "palette-network.yaml": TOPOLOGY.format(
                mgmt_groups="acct-a:aws_security_group.mgmt",
                worker_groups="acct-b:aws_security_group.workers",
                nodes="10.20.1.0/24",
            ),
        },
    )
    pdir = profile(
        tmp_path,
        "t",
        [("agent", "workload", "management", "tcp", "4222"), ("https", "workload", "management", "tcp", "443")],
    )
    assert verdicts(tmp_path, pdir, "t") == {"agent:prod->management": "blocked", "https:prod->management": "reachable"}
