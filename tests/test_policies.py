"""The shipped Rego policies, end to end through the embedded engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import FIXTURES, json_report


def test_world_open_ssh_and_nats_are_warned_with_location(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    tf = (
        (net / "security_groups.tf")
        .read_text()
        .replace("cidr_blocks = [var.operator_cidr]", 'cidr_blocks = ["0.0.0.0/0"]')
    )
    tf += (
        '\nresource "aws_vpc_security_group_ingress_rule" "nats_world" {\n'
        '  security_group_id = aws_security_group.workers.id\n  cidr_ipv6 = "::/0"\n'
        '  from_port = 4000\n  to_port = 4300\n  ip_protocol = "tcp"\n}\n'
    )
    (net / "security_groups.tf").write_text(tf)
    code, report = json_report(cli, net)
    assert code == 0  # warnings do not fail by default
    exposed = sorted(
        (f["title"], f["locations"][0]["line"]) for f in report["findings"] if f["id"] == "PP-EXPOSED-PORT"
    )
    assert exposed == [("NATS message bus open to the internet", 43), ("SSH open to the internet", 6)]
    ssh = next(f for f in report["findings"] if f["title"].startswith("SSH"))
    assert ssh["kind"] == "warn"
    assert any("CIS AWS Foundations 5.2" in c for c in ssh["controls"])
    assert json_report(cli, net, "--fail-on", "warn")[0] == 1


def test_node_to_node_all_traffic_is_not_an_exposure(cli) -> None:
    _, report = json_report(cli, FIXTURES / "saas-ok")
    assert not [f for f in report["findings"] if f["id"] == "PP-EXPOSED-PORT"]


def test_optional_path_blocked_is_a_warning_not_a_failure(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    tf = (
        (net / "security_groups.tf")
        .read_text()
        .replace("cidr_blocks = [var.operator_cidr]", 'cidr_blocks = ["192.0.2.0/24"]')
    )
    (net / "security_groups.tf").write_text(tf)
    code, report = json_report(cli, net)
    assert code == 0
    (warning,) = [f for f in report["findings"] if f["id"] == "PP-OPTIONAL-UNREACHABLE"]
    assert warning["requirement"] == "saas-ssh" and warning["kind"] == "warn"


def test_unbound_role_is_reported(cli, tmp_path: Path) -> None:
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "self-hosted-ok", net)
    topo = (net / "palette-network.yaml").read_text().replace("vcenter:\n  addresses: [10.0.9.5]\n", "")
    (net / "palette-network.yaml").write_text(topo)
    code, report = json_report(cli, net)
    assert code == 0
    unbound = sorted(f["requirement"] for f in report["findings"] if f["id"] == "PP-ROLE-UNBOUND")
    assert unbound == ["sh-mgmt-vcenter", "sh-workload-vcenter"]


def test_user_policy_directory_adds_a_deny(cli, tmp_path: Path) -> None:
    policy = tmp_path / "mine"
    policy.mkdir()
    (policy / "tags.rego").write_text(
        "package acme.naming\n\nimport rego.v1\n\n"
        'deny contains {"msg": sprintf("group %s is not prefixed palette-", [p.name]), "id": "ACME-001"} if {\n'
        '\tsome p in input.resources.enforcement_points\n\tnot startswith(p.name, "palette-")\n}\n'
    )
    (policy / "data.yaml").write_text("acme: {owner: netops}\n")
    assert json_report(cli, FIXTURES / "saas-ok", "--policy", policy)[0] == 0
    net = tmp_path / "n"
    shutil.copytree(FIXTURES / "saas-ok", net)
    (net / "security_groups.tf").write_text(
        (net / "security_groups.tf").read_text().replace('name        = "palette-workers"', 'name        = "workers"')
    )
    (net / "palette-network.yaml").write_text(
        (net / "palette-network.yaml").read_text().replace("palette-workers", "workers")
    )
    code, report = json_report(cli, net, "--policy", policy)
    assert code == 1
    assert [f["id"] for f in report["findings"]] == ["ACME-001", "PP-PATH-UNENFORCED"]  # the browser path
    assert report["findings"][0]["package"] == "acme.naming"
    assert json.dumps(report["findings"][0]).count("workers") >= 1
