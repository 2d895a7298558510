"""Hostile HCL: each input gives one located error (file and line) or loads, never a traceback, in bounded
time (the parser counts nesting, operator chains and unary signs; number literals are bounded)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from validator.ingest.loaders.terraform.evaluate import load_root
from validator.model.errors import InputError

HOSTILE_ERRORS = {
    "brackets": b"a = " + b"[" * 10_000 + b"\n",
    "parentheses": b"a = " + b"(" * 10_000 + b"1" + b")" * 10_000 + b"\n",
    "signs": b"a = " + b"-" * 10_000 + b"1\n",
    "operators": b"a = 1" + b" + 1" * 10_000 + b"\n",
    "huge-number": b"a = 1e999999999\n",
    "not-utf8": b'a = 1\nb = "\xff"\n',
    "nul": b"a = 1\nb = 2 \x00\n",
    "lone-cr": b"a = 1\rb = 2\n",
    "templates": b"a = " + b'"${' * 2_000 + b"1" + b'}"' * 2_000 + b"\n",
}


def load(tmp_path: Path, data: bytes) -> object:
    (tmp_path / "main.tf").write_bytes(data)
    return load_root(tmp_path, ".", ["main.tf"])


@pytest.mark.parametrize("name", sorted(HOSTILE_ERRORS))
def test_one_located_error(name: str, tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as info:
        load(tmp_path, HOSTILE_ERRORS[name])
    assert info.value.file == "main.tf" and info.value.line, str(info.value)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "data",
    [
        b'\xef\xbb\xbfresource "aws_security_group" "a" {\r\n  name = "x"\r\n}\r\n',  # BOM and CRLF
        b'# comment with \xff bytes\nresource "aws_security_group" "a" {\n  name = "x"\n}\n',
    ],
)
def test_accepted_as_terraform_accepts_them(data: bytes, tmp_path: Path) -> None:
    root = load(tmp_path, data)
    assert [p.name for p in root.inventory.points.values()] == ["x"]  # type: ignore[attr-defined]


def test_self_reference_and_doubling_locals_stay_bounded(tmp_path: Path) -> None:
    """A local referring to itself is an unknown with its reason; locals that double 30 times (2**30
    elements if copied) are shared, not copied."""
    chain = "".join(f"  l{i} = [local.l{i + 1}, local.l{i + 1}]\n" for i in range(30))
    text = (
        "locals {\n  me = local.me\n" + chain + '  l30 = "22"\n}\n'
        'resource "aws_security_group" "a" {\n  name = "x"\n  description = local.me\n'
        "  ingress {\n    from_port = local.l0[0][1]" + "[0]" * 28 + "\n"
        '    to_port = 22\n    protocol = "tcp"\n    cidr_blocks = ["10.0.0.0/8"]\n  }\n}\n'
    )
    started = time.perf_counter()
    root = load(tmp_path, text.encode())
    assert time.perf_counter() - started < 5
    rules = next(iter(root.inventory.points.values())).rules  # type: ignore[attr-defined]
    assert len(rules) == 1 and str(rules[0].ports) == "22"


def test_a_module_sourcing_itself_is_an_input_issue(tmp_path: Path) -> None:
    root = load(tmp_path, b'module "me" {\n  source = "./"\n}\n')
    issues = root.inventory.issues  # type: ignore[attr-defined]
    assert [i.kind for i in issues] == ["module-not-expanded"]


def test_a_list_inside_cidr_blocks_is_one_located_error_in_terraforms_words(tmp_path: Path) -> None:
    """`cidr_blocks = ["${var.list}"]` (Terraform 0.11 style) is a list of a list since 0.12, which Terraform
    rejects (string required): the error says so at the rule, not in Python's notation of the value."""
    text = (
        'variable "ssh" {\n  default = ["10.0.0.0/24", "10.0.1.0/24"]\n}\n'
        'resource "aws_security_group" "bastion" {\n  name = "b"\n'
        '  ingress {\n    from_port = 22\n    to_port = 22\n    protocol = "tcp"\n'
        '    cidr_blocks = ["${var.ssh}"]\n  }\n}\n'
    )
    with pytest.raises(InputError) as info:
        load(tmp_path, text.encode())
    assert (info.value.file, info.value.line) == ("main.tf", 6)
    assert "cidr_blocks: each element must be a CIDR string, not a list" in str(info.value)
    assert "[[" not in str(info.value) and "'" not in str(info.value)
