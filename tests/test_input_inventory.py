"""`palette-policy input` as an inspection tool, and the describe JSON that completes the inventory.

Without a topology `input` prints the inventory alone (no requirements, results or topology), for a folder or a
single file; beside a single file it reads that folder's topology. Managed prefix lists come from
describe-managed-prefix-lists with their entries from get-managed-prefix-list-entries, VPCs' IPv6 from
describe-vpcs, and group members from describe-network-interfaces.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from tests.helpers import FIXTURES, ROOT, profile, verdicts, write_files

SCHEMAS = {n: json.loads((ROOT / "schemas" / n).read_text()) for n in ("input.schema.json", "report.schema.json")}
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()])
PREFIX_LIST_NETWORK = FIXTURES / "formats" / "self-hosted-prefix-list" / "describe"


def _input(cli: Any, *args: Any) -> dict[str, Any]:
    result = cli("input", *args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMAS["input.schema.json"], registry=REGISTRY).validate(doc)
    return doc


GROUP = """
Resources:
  WebSG:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}]
"""


def test_input_without_a_topology_is_the_inventory_alone(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"a/web.yaml": GROUP, "b/web.yaml": GROUP, "notes.txt": "not a config"})
    doc = _input(cli, tmp_path, "--profile", "saas")
    assert (doc["requirements"], doc["results"], doc["unbound"], doc["topology"]) == ([], [], [], None)
    keys = [p["key"] for p in doc["resources"]["enforcement_points"]]
    assert keys == ["a/web.yaml#WebSG", "b/web.yaml#WebSG"]  # one name each, though both are WebSG
    assert {f["path"] for f in doc["files"]} == {"a/web.yaml", "b/web.yaml"}
    assert [s["path"] for s in doc["skipped"]] == ["notes.txt"]


def test_input_on_one_file_reads_the_topology_beside_it(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "formats" / "saas-ok" / "cloudformation", tmp_path / "net")
    (template,) = [p for p in (tmp_path / "net").iterdir() if p.name != "palette-network.yaml"]
    beside = _input(cli, template)
    assert beside["results"] and beside["topology"]["file"]
    (tmp_path / "net" / "palette-network.yaml").unlink()
    alone = _input(cli, template)
    assert (alone["results"], alone["topology"]) == ([], None)
    assert [p["key"] for p in alone["resources"]["enforcement_points"]] == [
        p["key"] for p in beside["resources"]["enforcement_points"]
    ]


def test_every_aws_sample_template_prints_its_inventory_without_a_topology(cli) -> None:
    corpus = ROOT / "tests" / "corpus" / "cloudformation"
    for template in sorted(corpus.glob("*/template.*")):
        doc = _input(cli, template)
        assert doc["files"] == [{"path": template.name, "format": "cloudformation"}], template


def test_prefix_lists_come_with_their_entries_from_describe_output(cli, tmp_path: Path) -> None:
    shutil.copy(PREFIX_LIST_NETWORK / "describe-managed-prefix-lists.json", tmp_path)
    doc = _input(cli, tmp_path / "describe-managed-prefix-lists.json")
    listed = {p["key"]: p for p in doc["resources"]["prefix_lists"]}
    assert listed["pl-0a1b2c3d4e5f60002"]["cidrs"] == []
    (missing,) = listed["pl-0a1b2c3d4e5f60002"]["unknown"]
    assert "get-managed-prefix-list-entries" in missing["reason"]
    doc = _input(cli, PREFIX_LIST_NETWORK)
    listed = {p["key"]: p for p in doc["resources"]["prefix_lists"]}
    assert (listed["pl-0a1b2c3d4e5f60002"]["name"], listed["pl-0a1b2c3d4e5f60002"]["cidrs"]) == (
        "palette-mgmt-nets",
        ["10.10.1.0/25"],
    )
    assert listed["pl-0a1b2c3d4e5f60002"]["unknown"] == []


def test_a_prefix_list_without_its_entries_leaves_the_path_unknown(tmp_path: Path) -> None:
    shutil.copytree(PREFIX_LIST_NETWORK, tmp_path / "net")
    (tmp_path / "net" / "pl-0a1b2c3d4e5f60002.json").unlink()
    assert verdicts(tmp_path / "net")["sh-agent-nats:prod->management"] == "unknown"
    assert verdicts(PREFIX_LIST_NETWORK)["sh-agent-nats:prod->management"] == "partial"


def test_prefix_list_entries_need_the_lists_id(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"entries.json": '{"Entries": [{"Cidr": "10.0.0.0/8"}]}'})
    result = cli("input", tmp_path)
    assert result.exit_code == 2 and "entries.json:1: prefix-list entries without the list's id" in result.stderr
    write_files(tmp_path, {"entries.json": '{"PrefixListId": "pl-1", "Entries": [{"Cidr": "10.0.0.0/8"}]}'})
    assert _input(cli, tmp_path)["resources"]["prefix_lists"][0]["cidrs"] == ["10.0.0.0/8"]


def test_describe_vpcs_says_which_vpcs_have_ipv6(cli, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "vpcs.json": json.dumps(
                {
                    "Vpcs": [
                        {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
                        {
                            "VpcId": "vpc-2",
                            "CidrBlock": "10.1.0.0/16",
                            "Ipv6CidrBlockAssociationSet": [
                                {"Ipv6CidrBlock": "2600:1f18:1:100::/56", "Ipv6CidrBlockState": {"State": "associated"}}
                            ],
                        },
                        {
                            "VpcId": "vpc-3",
                            "CidrBlock": "10.2.0.0/16",
                            "Ipv6CidrBlockAssociationSet": [
                                {
                                    "Ipv6CidrBlock": "2600:1f18:1:200::/56",
                                    "Ipv6CidrBlockState": {"State": "disassociated"},
                                }
                            ],
                        },
                    ]
                }
            )
        },
    )
    vpcs = {v["key"]: (v["ipv6"], v["cidrs"]) for v in _input(cli, tmp_path)["resources"]["vpcs"]}
    assert vpcs == {
        "vpc-1": (False, ["10.0.0.0/16"]),
        "vpc-2": (True, ["10.1.0.0/16", "2600:1f18:1:100::/56"]),
        "vpc-3": (False, ["10.2.0.0/16"]),
    }


INTERFACES_TOPOLOGY = """
profiles: [t]
management:
  addresses: [10.10.1.0/24]
  security_groups: [palette-mgmt]
clusters:
  - name: prod
    nodes: [10.20.1.0/24]
"""
SGS = {
    "SecurityGroups": [
        {
            "GroupId": "sg-m",
            "GroupName": "palette-mgmt",
            "IpPermissions": [
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-agents"}]}
            ],
            "IpPermissionsEgress": [],
        }
    ]
}
ENIS = {
    "NetworkInterfaces": [
        {
            "NetworkInterfaceId": "eni-1",
            "Groups": [{"GroupId": "sg-agents", "GroupName": "agents"}],
            "PrivateIpAddress": "10.20.1.5",
            "PrivateIpAddresses": [{"PrivateIpAddress": "10.20.1.5"}, {"PrivateIpAddress": "10.20.1.6"}],
            "Ipv6Addresses": [{"Ipv6Address": "2600:1f18:1:100::5"}],
        }
    ]
}


def test_a_group_reference_matches_the_interfaces_in_the_group(cli, tmp_path: Path) -> None:
    """The topology binds no endpoint to sg-agents; describe-network-interfaces says who is in it."""
    files = {"palette-network.yaml": INTERFACES_TOPOLOGY, "sgs.json": json.dumps(SGS)}
    write_files(tmp_path / "without", files)
    write_files(tmp_path / "with", {**files, "enis.json": json.dumps(ENIS)})
    rows = [("https", "workload", "management", "tcp", "443")]
    assert verdicts(tmp_path / "without", profile(tmp_path / "without", "t", rows), "t") == {
        "https:prod->management": "unknown"  # a group nobody declared: its members are not known
    }
    assert verdicts(tmp_path / "with", profile(tmp_path / "with", "t", rows), "t") == {
        "https:prod->management": "partial"  # 10.20.1.5-10.20.1.6 of the cluster's /24
    }
    write_files(tmp_path / "alone", {"enis.json": json.dumps(ENIS)})
    doc = _input(cli, tmp_path / "alone" / "enis.json")
    assert doc["resources"]["group_members"] == [
        {"group": "sg-agents", "cidrs": ["10.20.1.5/32", "10.20.1.6/32", "2600:1f18:1:100::5/128"]}
    ]


def test_groups_of_module_instances_are_told_apart_by_their_full_address(cli, tmp_path: Path) -> None:
    module = """
variable "name" { type = string }
resource "aws_security_group" "this_name_prefix" {
  count       = 1
  name_prefix = "${var.name}-"
}
"""
    calls = 'module "web" {\n  source = "./modules/sg"\n  name = "web"\n}\n'
    calls += 'module "db" {\n  source = "./modules/sg"\n  name = "db"\n}\n'
    write_files(tmp_path, {"main.tf": calls, "modules/sg/main.tf": module})
    points = _input(cli, tmp_path)["resources"]["enforcement_points"]
    assert sorted(p["resource"] for p in points) == [
        "module.db.aws_security_group.this_name_prefix[0]",
        "module.web.aws_security_group.this_name_prefix[0]",
    ]
    assert len({p["key"] for p in points}) == 2
