"""load_bundle: stable order and digest, merged data, and every bad input as a located InputError."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from validator.model.errors import InputError
from validator.policy.engine import load_bundle

from .conftest import SAMPLE


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_sample_bundle_contents() -> None:
    bundle = load_bundle([SAMPLE])
    assert [Path(name).name for name in bundle.modules] == ["palette_sample.rego", "palette_sample_test.rego"]
    assert bundle.packages == ["palette.sample"]
    assert bundle.data["requirements"]["nats"] == {"protocol": "tcp", "port": 4222}
    assert bundle.data["open_ports"] == [80, 443]
    assert bundle.digest.startswith("sha256:") and len(bundle.digest) == 71
    assert load_bundle([SAMPLE], include_tests=False).modules.keys() == {str(SAMPLE / "palette_sample.rego")}


def test_digest_is_location_independent_and_content_sensitive(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / SAMPLE.name
    shutil.copytree(SAMPLE, copy)
    assert load_bundle([copy]).digest == load_bundle([SAMPLE]).digest
    (copy / "ports.json").write_text('{"open_ports": [80, 443, 8443]}')
    assert load_bundle([copy]).digest != load_bundle([SAMPLE]).digest
    assert load_bundle([copy], include_tests=False).digest != load_bundle([copy]).digest


def test_order_is_stable_whatever_the_creation_order(tmp_path: Path) -> None:
    _write(
        tmp_path / "a",
        {"z.rego": "package z\nx := 1\n", "b/y.rego": "package y\nx := 1\n", "a.rego": "package a\nx := 1\n"},
    )
    names = list(load_bundle([tmp_path / "a"]).modules)
    assert names == sorted(names)


def test_data_files_merge_and_conflicts_name_both_files(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "p/a.yaml": "profiles:\n  aws: {nats: 4222}\n",
            "p/b.json": '{"profiles": {"azure": {}}}',
            "extra.yaml": "profiles:\n  aws: {nats: 4223}\n",
        },
    )
    bundle = load_bundle([tmp_path / "p"])
    assert bundle.data == {"profiles": {"aws": {"nats": 4222}, "azure": {}}}
    with pytest.raises(InputError, match=r"data\.profiles\.aws\.nats is also defined by .*a\.yaml") as info:
        load_bundle([tmp_path / "p"], [tmp_path / "extra.yaml"])
    assert info.value.file == str(tmp_path / "extra.yaml")


@pytest.mark.parametrize(
    ("name", "text", "line", "pattern"),
    [
        ("bad.json", '{\n  "a": 1,\n  "b": \n}', 4, "invalid JSON"),
        ("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n", 3, "invalid YAML"),
        ("list.yaml", "- 1\n- 2\n", None, "must be an object"),
        ("two.yaml", "a: 1\n---\nb: 2\n", None, "one YAML document"),
    ],
)
def test_bad_data_is_located(tmp_path: Path, name: str, text: str, line: int | None, pattern: str) -> None:
    _write(tmp_path, {"p/ok.rego": "package ok\nx := 1\n", name: text})
    with pytest.raises(InputError, match=pattern) as info:
        load_bundle([tmp_path / "p"], [tmp_path / name])
    assert info.value.file == str(tmp_path / name)
    assert info.value.line == line


@pytest.mark.parametrize(
    ("source", "line", "column", "pattern"),
    [
        ("package a\n\np := {\n", 4, 1, "expecting expression"),
        ("package a\np[x] { x := 1 }\n", 2, 6, "`if` keyword is required"),
        ("package a\nimport rego.v1\np if {\n  x > 1\n}\n", 4, 3, "undefined variable `x` is unsafe"),
    ],
)
def test_rego_errors_are_located(tmp_path: Path, source: str, line: int, column: int, pattern: str) -> None:
    _write(tmp_path, {"a.rego": source})
    with pytest.raises(InputError, match=pattern) as info:
        load_bundle([tmp_path])
    assert (info.value.file, info.value.line, info.value.column) == (str(tmp_path / "a.rego"), line, column)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        ('http.send({"method": "get", "url": "http://example.com"})', "policies cannot reach the network"),
        ('net.lookup_ip_addr("example.com")', "cannot resolve names"),
        ("opa.runtime()", "cannot read the host environment"),
    ],
)
def test_sandboxed_builtins_are_refused_at_the_call(tmp_path: Path, call: str, pattern: str) -> None:
    _write(tmp_path, {"a.rego": f"package a\nimport rego.v1\n\nx := {call}\n"})
    with pytest.raises(InputError, match=pattern) as info:
        load_bundle([tmp_path])
    assert (info.value.line, info.value.column) == (4, 6)
    assert "is not available" in info.value.message


def test_unreadable_and_missing_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_bundle([tmp_path / "nope"])
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(InputError, match="cannot read") as info:
        load_bundle([], [tmp_path / "dir.json"])
    assert info.value.file == str(tmp_path / "dir.json")
    (tmp_path / "latin1.rego").write_bytes(b"package a\n# caf\xe9\nx := 1\n")
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        load_bundle([tmp_path / "latin1.rego"])
    assert info.value.line == 2


def test_hidden_directories_and_other_files_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path, {"a.rego": "package a\nx := 1\n", ".git/b.rego": "package b\n{{{", "README.md": "# hi"})
    assert [Path(n).name for n in load_bundle([tmp_path]).modules] == ["a.rego"]
