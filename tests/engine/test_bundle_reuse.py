"""What a run reuses of a policy bundle — parses remembered in the cache, the compiled bundle — and what it
never skips: every check (sandbox, recursion, compilation) runs on every load, on any edited, forged or
foreign entry, with and without ``--no-cache``.

Each test observes the parse itself (``rego_ast._parse_module``): a remembered parse is one that did not
run, and a check that still refuses what it refused before proves the shortcut did not bypass it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, Cli
from validator.model.errors import InputError
from validator.policy import parse_cache
from validator.policy.engine import load_bundle, rego_ast, regorus_engine
from validator.policy.engine.rego_ast import ModuleInfo
from validator.policy.engine.regorus_engine import RegorusEngine

GOOD = """package user.ports
import rego.v1

deny contains msg if {
	some r in input.results
	r.verdict == "blocked"
	msg := sprintf("blocked: %s", [r.requirement])
}
"""
RECURSIVE = GOOD + "\nf(x) := f(x + 1)\n"
SANDBOXED = GOOD + '\nfetched := http.send({"method": "get", "url": "https://example.com"})\n'


@dataclass(frozen=True)
class Folder:
    """An opened cache folder (``validator.ingest.cache.Cache``): it exists and is private."""

    directory: Path
    secret: bytes

    def __post_init__(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules parsed afresh (not read back), by file; the in-process memo starts empty."""
    seen: list[str] = []
    real = rego_ast._parse_module

    def spy(file: str, source: str) -> ModuleInfo:
        seen.append(Path(file).name)
        return real(file, source)

    monkeypatch.setattr(rego_ast, "_parse_module", spy)
    monkeypatch.setattr(rego_ast, "_PARSED", {})
    return seen


def _policy(root: Path, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "user.rego").write_text(text)
    return root


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a new run starts with: nothing parsed in this process."""
    monkeypatch.setattr(rego_ast, "_PARSED", {})


def test_a_remembered_parse_is_read_back_and_an_edit_is_checked_again(
    tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parse_cache.use(Folder(tmp_path / "cache", os.urandom(32)), lambda: "tool")
    policy = _policy(tmp_path / "policy", GOOD)
    first = load_bundle([policy])
    assert parsed == ["user.rego"]
    _new_process(monkeypatch)
    again = load_bundle([policy])
    assert parsed == ["user.rego"]  # read back, not parsed
    assert again.packages == first.packages == ["user.ports"]
    assert again.infos == first.infos

    _policy(policy, RECURSIVE)  # edited after it was remembered
    _new_process(monkeypatch)
    with pytest.raises(InputError, match="rego_recursion_error: rule data.user.ports.f is recursive"):
        load_bundle([policy])
    assert parsed == ["user.rego", "user.rego"]
    _new_process(monkeypatch)  # the recursive module's parse is remembered now: the check still refuses it
    with pytest.raises(InputError, match="rego_recursion_error"):
        load_bundle([policy])
    assert parsed == ["user.rego", "user.rego"]


def test_a_remembered_sandboxed_call_is_still_refused_by_every_engine_load(
    tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parse_cache.use(Folder(tmp_path / "cache", os.urandom(32)), lambda: "tool")
    policy = _policy(tmp_path / "policy", SANDBOXED)
    for _ in range(2):
        _new_process(monkeypatch)
        with pytest.raises(InputError, match="http.send is not available") as caught:
            load_bundle([policy])
        assert caught.value.line == 10
        with pytest.raises(InputError, match="http.send is not available"):
            RegorusEngine().load({str(policy / "user.rego"): SANDBOXED}, {})
    assert parsed == ["user.rego"]


def test_an_entry_this_cache_did_not_sign_is_parsed_again(
    tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forged parse without the sandboxed call, signed with another key or altered, does not count."""
    store, key = tmp_path / "cache", os.urandom(32)
    policy = _policy(tmp_path / "policy", SANDBOXED)
    file = str(policy / "user.rego")
    forged = ModuleInfo(file=file, package="user.ports")  # no calls: would pass the sandbox check
    parse_cache.use(Folder(store, os.urandom(32)), lambda: "tool")
    parse_cache.remember(file, SANDBOXED, forged)
    parse_cache.use(Folder(store, key), lambda: "tool")
    assert parse_cache.recall(file, SANDBOXED, ModuleInfo) is None
    with pytest.raises(InputError, match="http.send is not available"):
        load_bundle([policy])
    assert parsed == ["user.rego"]

    (entry,) = [p for p in store.rglob("*") if p.is_file()]
    blob = entry.read_bytes()
    entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))  # one bit of the signed payload
    _new_process(monkeypatch)
    with pytest.raises(InputError, match="http.send is not available"):
        load_bundle([policy])
    assert parsed == ["user.rego", "user.rego"]


def test_another_tool_or_regorus_or_no_cache_parses_afresh(
    tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Folder(tmp_path / "cache", os.urandom(32))
    policy = _policy(tmp_path / "policy", GOOD)
    parse_cache.use(store, lambda: "tool-1")
    load_bundle([policy])
    _new_process(monkeypatch)
    parse_cache.use(store, lambda: "tool-2")  # an edited or upgraded program
    load_bundle([policy])
    assert parsed == ["user.rego", "user.rego"]

    monkeypatch.setattr(regorus_engine, "regorus_version", lambda: "0.0.0-other")
    parse_cache.use(store, lambda: "tool-2")
    _new_process(monkeypatch)
    load_bundle([policy])
    assert len(parsed) == 3

    parse_cache.use(None)
    entries = sorted(p for p in store.directory.rglob("*") if p.is_file())
    for _ in range(2):
        _new_process(monkeypatch)
        load_bundle([policy])
    assert len(parsed) == 5
    assert sorted(p for p in store.directory.rglob("*") if p.is_file()) == entries  # nothing written


def test_validate_refuses_an_edited_recursive_policy_with_and_without_the_cache(
    cli: Cli, tmp_path: Path, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    net = tmp_path / "net"
    shutil.copytree(FIXTURES / "self-hosted-ok", net)
    policy = _policy(tmp_path / "policy", GOOD)
    store = tmp_path / "cache"
    runs = [["--cache-dir", store], ["--cache-dir", store]]
    for flags in runs:
        _new_process(monkeypatch)
        result = cli("validate", net, "--policy", policy, *flags)
        assert result.exit_code == 0, result.output
    assert parsed.count("user.rego") == 1 and "paths.rego" in parsed  # the second run read both back
    _policy(policy, RECURSIVE)
    for flags in [*runs, ["--no-cache", "--cache-dir", store]]:
        _new_process(monkeypatch)
        result = cli("validate", net, "--policy", policy, *flags)
        assert result.exit_code == 2
        assert "rego_recursion_error: rule data.user.ports.f is recursive" in result.output
        assert "user.rego:10" in result.output
    assert parsed.count("user.rego") == 3  # the edit, then read back, then --no-cache parsed it again
    fresh = tmp_path / "unused-cache"
    assert cli("validate", net, "--policy", policy, "--no-cache", "--cache-dir", fresh).exit_code == 2
    assert not fresh.exists()  # --no-cache: nothing read or written


# --- the compiled bundle --------------------------------------------------------------------------------
VALUE = """package p
import rego.v1

v := data.x
m := net.cidr_contains_matches(["10.0.0.0/8"], ["10.1.2.3"])
"""


def test_an_engine_reuses_a_compiled_bundle_only_when_modules_and_data_are_the_same() -> None:
    def value(modules: dict[str, str], data: dict[str, object], query: str = "data.p.v") -> object:
        engine = RegorusEngine()
        engine.load(modules, data)
        return engine.evaluate(query, {})

    modules = {"p.rego": VALUE}
    assert value(modules, {"x": 1}) == 1
    assert value(modules, {"x": 2}) == 2  # other data: compiled again
    assert value(modules, {"x": 1}) == 1
    assert value(modules, {"x": 1}, "data.p.m") == [[0, 0]]  # the shim survives the copy
    assert value(modules, {"x": 1}, "data.p") == {"v": 1, "m": [[0, 0]]}
    assert value({"p.rego": VALUE.replace("data.x", "data.x + 1")}, {"x": 1}) == 2  # other modules
    broken = {"p.rego": VALUE + "w if { z > 1 }\n"}
    for _ in range(2):  # a bundle that does not compile is never kept
        with pytest.raises(InputError, match="undefined variable `z` is unsafe"):
            RegorusEngine().load(broken, {"x": 1})


def test_an_engine_that_loads_more_later_is_not_served_the_copy() -> None:
    """Incremental loads (the Rego test runner adds modules) compile what they hold."""
    first = RegorusEngine()
    first.load({"p.rego": VALUE}, {"x": 1})
    second = RegorusEngine()
    second.load({"q.rego": "package q\nw := 7\n"}, {})
    second.load({"p.rego": VALUE}, {"x": 1})
    assert second.evaluate("data.q.w", {}) == 7
    assert second.evaluate("data.p.v", {}) == 1
    assert second.evaluate("data.p.v") == 1  # no input: on a copy of the engine as loaded
    assert second.evaluate("input") is None
