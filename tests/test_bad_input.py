"""Bad input: one line naming file and line, exit 2, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, write_files

TOPOLOGY = (FIXTURES / "saas-ok" / "palette-network.yaml").read_text()


def run_bad(cli, tmp_path: Path, files: dict[str, str]) -> str:
    write_files(tmp_path, {"palette-network.yaml": TOPOLOGY, **files} if "palette-network.yaml" not in files
                else files)
    result = cli("validate", tmp_path)
    assert result.exit_code == 2, result.stdout + result.stderr
    err = result.stderr.strip()
    assert "Traceback" not in result.stdout + result.stderr
    assert len(err.splitlines()) == 1, err
    assert result.stdout == ""  # nothing half-written
    return err


CASES = [
    ("malformed HCL", {"sg.tf": 'resource "aws_security_group" "w" {\n  ingress {\n    from_port =\n  }\n}\n'},
     ["sg.tf:3", "invalid HCL"]),
    ("malformed YAML", {"cfn.yaml": "Resources:\n  A: [1, 2\n  B: 3\n"}, ["cfn.yaml:", "invalid YAML/JSON"]),
    ("malformed JSON", {"sgs.json": '{"SecurityGroups": [\n  {"GroupId": "sg-1",}\n]}\n'},
     ["sgs.json:2", "invalid JSON"]),
    ("bad CIDR", {"sg.tf": 'resource "aws_security_group" "w" {\n  name = "palette-workers"\n  egress {\n'
                  '    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n    cidr_blocks = ["10.0.0.0/33"]\n'
                  '  }\n}\n'}, ["sg.tf:3", "10.0.0.0/33"]),
    ("host bits", {"sgs.json": '{"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "palette-workers",\n'
                   ' "IpPermissions": [], "IpPermissionsEgress": [\n  {"IpProtocol": "tcp", "FromPort": 443,'
                   ' "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.1/8"}]}]}]}\n'},
     ["sgs.json:3", "host bits set", "10.0.0.0/8"]),
    ("IPv6 in IPv4 field", {"sg.tf": 'resource "aws_security_group" "w" {\n  name = "palette-workers"\n'
                            '  egress {\n    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n'
                            '    cidr_blocks = ["::/0"]\n  }\n}\n'}, ["sg.tf:3", "not IPv4"]),
    ("reversed ports", {"sg.tf": 'resource "aws_security_group" "w" {\n  name = "palette-workers"\n  egress {\n'
                        '    from_port = 500\n    to_port = 443\n    protocol = "tcp"\n'
                        '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'}, ["sg.tf:3", "reversed"]),
    ("port out of range", {"cfn.json": '{"Resources": {"W": {"Type": "AWS::EC2::SecurityGroup", "Properties":\n'
                           ' {"GroupName": "palette-workers", "SecurityGroupEgress": [\n'
                           '  {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 70000, "CidrIp": "0.0.0.0/0"}]}}}}\n'},
     ["cfn.json:3", "70000"]),
    ("unknown protocol", {"sg.tf": 'resource "aws_security_group" "w" {\n  name = "palette-workers"\n  egress {\n'
                          '    from_port = 443\n    to_port = 443\n    protocol = "tcpx"\n'
                          '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n'}, ["sg.tf:3", "unknown protocol"]),
    ("missing group", {"palette-network.yaml": TOPOLOGY.replace("palette-workers", "palette-wrkers"),
                       "sg.tf": 'resource "aws_security_group" "w" {\n  name = "palette-workers"\n}\n'},
     ["palette-network.yaml:", "palette-wrkers", "not declared", "did you mean 'palette-workers'"]),
    ("topology wrong type", {"palette-network.yaml": "profiles: saas\nmanagement: {addresses: [internet]}\n"
                             "clusters: [{name: a, nodes: [10.0.0.0/24]}]\n"}, ["palette-network.yaml:1", "profiles"]),
    ("topology missing field", {"palette-network.yaml": "profiles: [saas]\nclusters:\n  - name: a\n"
                                "    nodes: [10.0.0.0/24]\n"}, ["palette-network.yaml:1", "management"]),
    ("topology bad CIDR", {"palette-network.yaml": "profiles: [saas]\nmanagement: {addresses: [internet]}\n"
                           "clusters:\n  - name: a\n    nodes: [10.0.0.300/24]\n"}, ["palette-network.yaml:5",
                                                                              "10.0.0.300/24"]),
    ("duplicate cluster", {"palette-network.yaml": "profiles: [saas]\nmanagement: {addresses: [internet]}\n"
                           "clusters:\n  - {name: a, nodes: [10.0.0.0/24]}\n  - {name: a, nodes: [10.1.0.0/24]}\n"},
     ["palette-network.yaml:5", "used twice"]),
    ("unknown profile", {"palette-network.yaml": TOPOLOGY.replace("[saas]", "[sass]")}, ["unknown profile 'sass'"]),
    ("alias bomb", {"bomb.yaml": "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"}, ["bomb.yaml", "alias bomb"]),
    ("deep nesting", {"deep.json": "[" * 5000 + "]" * 5000}, ["deep.json", "nest"]),
]


@pytest.mark.parametrize(("name", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(cli, tmp_path: Path, name: str, files: dict[str, str], expected: list[str]) -> None:
    err = run_bad(cli, tmp_path, files)
    for fragment in expected:
        assert fragment in err, f"{name}: {fragment!r} not in {err!r}"


def test_binary_and_non_utf8_files(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "x.json").write_bytes(b'{"a": "caf\xe9"}\n')
    err = run_bad(cli, tmp_path / "n", {})
    assert "x.json:1" in err and "not UTF-8" in err
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "b")
    (tmp_path / "b" / "y.yaml").write_bytes(b"\x00\x01\x02binary")
    assert "binary file" in run_bad(cli, tmp_path / "b", {})


def test_missing_topology_and_missing_folder(cli, tmp_path: Path) -> None:
    result = cli("validate", tmp_path)
    assert result.exit_code == 2 and "no palette-network.yaml" in result.stderr
    result = cli("validate", tmp_path / "nope")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_unknown_files_are_skipped_with_a_reason(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "README.md").write_text("# hello\n")
    (tmp_path / "n" / "values.yaml").write_text("replicas: 3\n")
    result = cli("validate", tmp_path / "n", "--format", "json")
    assert result.exit_code == 0
    import json

    skipped = {s["path"]: s["reason"] for s in json.loads(result.stdout)["inputs"]["skipped"]}
    assert "README.md" in skipped and "values.yaml" in skipped


def test_oversized_file_is_refused(cli, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "saas-ok", tmp_path / "n")
    (tmp_path / "n" / "big.json").write_text('{"x": "' + "a" * (2 * 1024 * 1024) + '"}')
    result = cli("validate", tmp_path / "n", "--max-file-size", "1")
    assert result.exit_code == 2 and "big.json" in result.stderr and "limit" in result.stderr


def test_bad_usage_is_exit_2(cli) -> None:
    assert cli("validate", FIXTURES / "saas-ok", "--format", "xml").exit_code == 2
    assert cli("validate", FIXTURES / "saas-ok", "--fail-on", "sometimes").exit_code == 2
