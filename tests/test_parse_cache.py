"""The parse cache: a re-run reads back what did not change, and can never return a stale evaluation.

The oracle is a fresh evaluation: after every edit, what a cached run reports equals what ``--no-cache``
reports on the same files, and differs from what was reported before the edit (so each test would fail if
the cache served the old result). Which roots were evaluated is observed at the cache's lookup: a miss is
an evaluation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import Cli, write_files
from validator.ingest import cache
from validator.model.inventory import Inventory

SG = """
resource "aws_security_group" "{name}" {{
  name = "{name}"
  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = [{cidr}]
  }}
}}
"""

TREE = {
    "live/main.tf": """
        variable "cidr" {
          type = string
        }
        module "web" {
          source = "../modules/sg"
          cidr   = var.cidr
        }
        """
    + SG.format(name="db", port=5432, cidr='"10.0.0.0/8"'),
    "live/terraform.tfvars": 'cidr = "10.1.0.0/16"\n',
    "modules/sg/main.tf": """
        variable "cidr" {
          type = string
        }
        """
    + SG.format(name="web", port=443, cidr="var.cidr"),
    "other/main.tf": SG.format(name="app", port=22, cidr='"192.168.0.0/16"'),
}


def settle(root: Path) -> None:
    """Date every file and folder back past ``cache.SETTLE`` (files written just now are not stored)."""
    past = time.time() - 60
    for base, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            os.utime(os.path.join(base, name), (past, past))
    os.utime(root, (past, past))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = write_files(tmp_path / "infra", TREE)
    settle(root)
    return root


@pytest.fixture
def evaluated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roots evaluated afresh (the cache had nothing for them), by display path, in order."""
    seen: list[str] = []
    real = cache.cached

    def spy(directory: Path, display: str, *args: object) -> object:
        found = real(directory, display, *args)  # type: ignore[arg-type]
        if found is None:
            seen.append(display)
        return found

    monkeypatch.setattr(cache, "cached", spy)
    return seen


def resources(cli: Cli, root: Path, *extra: str) -> dict[str, list[str]]:
    """Every enforcement point's rules as text, as the policy input shows them."""
    result = cli("input", root, *extra)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    points = doc["resources"]["enforcement_points"]
    return {p["key"]: sorted(r["text"] for r in p["rules"]) for p in points} | {"issues": doc["issues"]}


def check(cli: Cli, root: Path, cache_dir: Path, *extra: str) -> dict[str, list[str]]:
    """The cached run, proven equal to a fresh evaluation of the same files."""
    got = resources(cli, root, "--cache-dir", str(cache_dir), *extra)
    assert got == resources(cli, root, "--no-cache", *extra)
    return got


def test_a_rerun_evaluates_nothing_and_one_changed_root_only_that_root(
    cli: Cli, tree: Path, tmp_path: Path, evaluated: list[str]
) -> None:
    store = tmp_path / "cache"
    first = resources(cli, tree, "--cache-dir", str(store))
    assert sorted(evaluated) == ["live", "other"]
    evaluated.clear()
    assert resources(cli, tree, "--cache-dir", str(store)) == first
    assert evaluated == []
    (tree / "other/main.tf").write_text(SG.format(name="app", port=2222, cidr='"192.168.0.0/16"'))
    settle(tree)
    changed = resources(cli, tree, "--cache-dir", str(store))
    assert evaluated == ["other"]
    assert changed["other:aws_security_group.app"] == ["allow ingress tcp/2222 from 192.168.0.0/16"]
    assert changed["live:aws_security_group.db"] == first["live:aws_security_group.db"]


# a run in a fresh interpreter, then whether it imported the HCL parser (the evaluator's first module)
IMPORTED = """
import sys
from validator.cli import main
try:
    main()
except SystemExit:
    pass
print("validator.ingest.loaders.terraform.parser" in sys.modules, file=sys.stderr)
"""


def test_a_run_the_cache_serves_does_not_import_the_parser(tree: Path, tmp_path: Path) -> None:
    """The evaluator is imported (before the workers fork) only when a root has to be evaluated."""
    said = []
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", IMPORTED, "input", str(tree), "--cache-dir", str(tmp_path / "cache")],
            capture_output=True,
            text=True,
            timeout=300,
        )
        said.append(proc.stderr.strip().splitlines()[-1])
    assert said == ["True", "False"]


@pytest.mark.parametrize(
    ("path", "text", "expect"),
    [
        ("live/main.tf", TREE["live/main.tf"].replace("5432", "5433"), "allow ingress tcp/5433 from 10.0.0.0/8"),
        ("live/terraform.tfvars", 'cidr = "10.2.0.0/16"\n', "allow ingress tcp/443 from 10.2.0.0/16"),
        (
            "modules/sg/main.tf",
            TREE["modules/sg/main.tf"].replace("443", "8443"),
            "allow ingress tcp/8443 from 10.1.0.0/16",
        ),
        (
            "modules/sg/extra.tf",  # a file added to a module folder
            SG.format(name="cache", port=6379, cidr='"10.9.0.0/16"'),
            "allow ingress tcp/6379 from 10.9.0.0/16",
        ),
        ("live/extra.auto.tfvars", 'cidr = "10.3.0.0/16"\n', "allow ingress tcp/443 from 10.3.0.0/16"),
    ],
)
def test_an_edit_anywhere_the_root_read_is_seen(
    cli: Cli, tree: Path, tmp_path: Path, path: str, text: str, expect: str
) -> None:
    store = tmp_path / "cache"
    before = check(cli, tree, store)
    write_files(tree, {path: text})
    settle(tree)
    after = check(cli, tree, store)
    assert after != before
    assert any(expect in rules for rules in after.values()), after


def test_a_module_folder_that_appears_is_read(cli: Cli, tree: Path, tmp_path: Path) -> None:
    """A root calling a module whose folder is missing: creating the folder changes the result."""
    store = tmp_path / "cache"
    write_files(tree, {"other/mod.tf": 'module "late" {\n  source = "../modules/late"\n}\n'})
    settle(tree)
    before = check(cli, tree, store)
    assert any("modules/late" in json.dumps(i) for i in before["issues"])
    write_files(tree, {"modules/late/main.tf": SG.format(name="late", port=9000, cidr='"10.5.0.0/16"')})
    settle(tree)
    after = check(cli, tree, store)
    assert after["other:module.late.aws_security_group.late"] == ["allow ingress tcp/9000 from 10.5.0.0/16"]


def test_variables_from_the_command_line_and_environment_are_part_of_the_key(
    cli: Cli, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "cache"
    web = "live:module.web.aws_security_group.web"
    (tree / "live/terraform.tfvars").unlink()  # TF_VAR_ comes before the tfvars files
    settle(tree)
    monkeypatch.setenv("TF_VAR_cidr", "10.8.0.0/16")
    assert "allow ingress tcp/443 from 10.8.0.0/16" in check(cli, tree, store)[web]
    monkeypatch.setenv("TF_VAR_cidr", "10.9.0.0/16")
    assert "allow ingress tcp/443 from 10.9.0.0/16" in check(cli, tree, store)[web]
    varfile = tmp_path / "prod.tfvars"
    varfile.write_text('cidr = "10.6.0.0/16"\n')
    settle(tmp_path)
    assert "allow ingress tcp/443 from 10.6.0.0/16" in check(cli, tree, store, "--var-file", str(varfile))[web]
    varfile.write_text('cidr = "10.7.0.0/16"\n')
    settle(tmp_path)
    assert "allow ingress tcp/443 from 10.7.0.0/16" in check(cli, tree, store, "--var-file", str(varfile))[web]
    assert "allow ingress tcp/443 from 10.4.0.0/16" in check(cli, tree, store, "--var", "cidr=10.4.0.0/16")[web]


def test_another_version_of_the_tool_does_not_read_the_entries(
    cli: Cli, tree: Path, tmp_path: Path, evaluated: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import validator

    store = tmp_path / "cache"
    resources(cli, tree, "--cache-dir", str(store))
    evaluated.clear()
    monkeypatch.setattr(validator, "__version__", "999.0", raising=False)
    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    resources(cli, tree, "--cache-dir", str(store))
    assert sorted(evaluated) == ["live", "other"]


def test_an_edited_source_file_of_the_tool_changes_the_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    import validator

    monkeypatch.setattr(cache, "_FINGERPRINT", None)
    before = cache.fingerprint()
    source = Path(validator.__file__).parent / "ingest" / "cache.py"
    stat = source.stat()
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        monkeypatch.setattr(cache, "_FINGERPRINT", None)
        assert cache.fingerprint() != before
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _entries(store: Path) -> list[Path]:
    return sorted(p for p in (store / "terraform").rglob("*") if p.is_file() and not p.name.startswith(".tmp"))


@pytest.mark.parametrize("damage", ["garbage", "flipped", "truncated", "empty", "foreign-key"])
def test_a_corrupt_entry_is_ignored_and_written_again(
    cli: Cli, tree: Path, tmp_path: Path, evaluated: list[str], damage: str
) -> None:
    store = tmp_path / "cache"
    first = resources(cli, tree, "--cache-dir", str(store))
    for entry in _entries(store):
        blob = entry.read_bytes()
        if damage == "garbage":
            entry.write_bytes(os.urandom(len(blob)))
        elif damage == "flipped":  # one bit of the pickle: the HMAC no longer matches
            entry.write_bytes(blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:])
        elif damage == "truncated":
            entry.write_bytes(blob[: len(blob) // 2])
        elif damage == "empty":
            entry.write_bytes(b"")
        else:  # a well-formed entry signed with another key (copied from another cache)
            import hmac
            import pickle

            payload = pickle.dumps(cache.TerraformRoot(Inventory()))
            entry.write_bytes(cache.FORMAT + hmac.new(b"x" * 32, payload, "sha256").digest() + payload)
    evaluated.clear()
    assert resources(cli, tree, "--cache-dir", str(store)) == first
    assert sorted(evaluated) == ["live", "other"]  # nothing damaged was trusted
    evaluated.clear()
    assert resources(cli, tree, "--cache-dir", str(store)) == first
    assert evaluated == []  # ...and the entries were written again


def test_a_file_changed_during_the_run_is_not_stored(
    cli: Cli, tree: Path, tmp_path: Path, evaluated: list[str]
) -> None:
    store = tmp_path / "cache"
    (tree / "other/main.tf").write_text(SG.format(name="app", port=23, cidr='"192.168.0.0/16"'))  # just now
    resources(cli, tree, "--cache-dir", str(store))
    evaluated.clear()
    resources(cli, tree, "--cache-dir", str(store))
    assert evaluated == ["other"]  # its file was too fresh to trust the read; the other root was stored


def test_a_folder_others_can_read_or_another_key_is_refused_with_a_note(cli: Cli, tree: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    result = cli("input", tree, "--cache-dir", str(shared))
    assert result.exit_code == 0
    assert "the parse cache is off for this run" in result.stderr and "chmod 700" in result.stderr
    assert not (shared / "key").exists()
    private = tmp_path / "private"
    assert cache.use(private) is None
    (private / "key").chmod(0o644)
    assert "key" in (cache.use(private) or "")
    assert cache.active() is None


def test_the_cache_folder_is_private_and_the_default_is_the_user_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_dir() == tmp_path / "xdg" / "palette-policy"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.default_dir() == tmp_path / "home" / ".cache" / "palette-policy"
    assert cache.use(tmp_path / "a" / "b") is None
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "a" / "b" / "key").stat().st_mode & 0o777 == 0o600


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "validator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # a run and its parser workers, killed together as a job is
    )


@pytest.fixture
def big_tree(tmp_path: Path) -> Path:
    """Enough roots and groups that a run takes a while (to be killed in the middle, or overlapped)."""
    files = {}
    for r in range(6):
        body = "".join(SG.format(name=f"g{r}_{i}", port=1000 + i, cidr=f'"10.{r}.{i}.0/24"') for i in range(200))
        files[f"root{r}/main.tf"] = body
    root = write_files(tmp_path / "big", files)
    settle(root)
    return root


def _fresh(root: Path) -> str:
    proc = _cli("input", str(root), "--no-cache")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def test_two_runs_at_once_share_the_cache_safely(big_tree: Path, tmp_path: Path) -> None:
    store = str(tmp_path / "cache")
    runs = [_cli("input", str(big_tree), "--cache-dir", store) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in runs]
    expected = _fresh(big_tree)
    for proc, (out, err) in zip(runs, outs, strict=True):
        assert proc.returncode == 0, err
        assert out == expected
    for _ in range(2):  # and what they left is whole: read back by later runs
        again = _cli("input", str(big_tree), "--cache-dir", store)
        assert again.communicate(timeout=300)[0] == expected
    assert len(_entries(Path(store))) == 6


def test_a_killed_run_leaves_nothing_that_is_trusted(big_tree: Path, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    expected = _fresh(big_tree)
    for delay in (0.3, 0.8, 1.5):
        proc = _cli("input", str(big_tree), "--cache-dir", str(store))
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        again = _cli("input", str(big_tree), "--cache-dir", str(store))
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        assert out == expected


def test_yaml_documents_come_back_with_their_lines_and_never_stale(tmp_path: Path, monkeypatch) -> None:
    from validator.ingest.documents import child_line, load_documents

    built: list[str] = []

    def spy(text: str, filename: str, *args: object) -> object:
        built.append(filename)
        return load_documents(text, filename, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(cache, "load_documents", spy)
    assert cache.use(tmp_path / "cache") is None
    first = "kind: A\nspec:\n  ports:\n    - 80\n"
    docs = cache.load_documents_cached(first, "k8s/a.yaml")
    assert cache.load_documents_cached(first, "k8s/a.yaml") == docs == load_documents(first, "k8s/a.yaml")
    assert built == ["k8s/a.yaml"]  # the second read came from the cache
    again = cache.load_documents_cached(first, "k8s/a.yaml")
    fresh = load_documents(first, "k8s/a.yaml")
    assert again[0].key_lines == fresh[0].key_lines and again[0]["spec"]["ports"].item_lines == [4]
    assert child_line(again[0]["spec"], "ports") == child_line(fresh[0]["spec"], "ports") == 4
    edited = "kind: A\nspec:\n  ports:\n    - 8080\n"
    assert cache.load_documents_cached(edited, "k8s/a.yaml") == load_documents(edited, "k8s/a.yaml")
    assert cache.load_documents_cached(first, "k8s/b.yaml")[0].line == 1  # another file: its own entry


def test_a_topology_passes_its_schema_once_and_a_change_is_checked_again(cli: Cli, tmp_path: Path, monkeypatch) -> None:
    import shutil

    from tests.helpers import FIXTURES
    from validator.ingest import schemas

    net = tmp_path / "net"
    shutil.copytree(FIXTURES / "self-hosted-ok", net)
    checked: list[str] = []
    real = schemas._validate

    def spy(doc: object, schema_name: str, filename: str) -> None:
        checked.append(schema_name)
        real(doc, schema_name, filename)

    monkeypatch.setattr(schemas, "_validate", spy)
    store = str(tmp_path / "cache")
    assert cli("validate", net, "--cache-dir", store).exit_code == 0
    assert "topology.schema.json" in checked
    checked.clear()
    assert cli("validate", net, "--cache-dir", store).exit_code == 0
    assert checked == []  # every document passed before: no validator
    topology = net / "palette-network.yaml"
    topology.write_text(topology.read_text().replace("profiles: [self-hosted]", "profiles: 42"))
    result = cli("validate", net, "--cache-dir", store)
    assert result.exit_code == 2 and "palette-network.yaml:2" in result.output and "profiles" in result.output
    for mark in (Path(store) / "valid").rglob("*"):  # marks another key signed do not count
        if mark.is_file():
            mark.write_bytes(b"\0" * 32)
    topology.write_text(topology.read_text().replace("profiles: 42", "profiles: [self-hosted]"))
    checked.clear()
    assert cli("validate", net, "--cache-dir", store).exit_code == 0
    assert "topology.schema.json" in checked


@pytest.mark.parametrize(
    ("passed", "other"),
    [
        ('reason: "datetime.date(2026, 1, 1)"', "reason: 2026-01-01"),  # a date is not the text of its repr
        ("reason: \"b'accepted'\"", "reason: !!binary YWNjZXB0ZWQ="),  # nor are bytes
    ],
)
def test_a_schema_mark_is_not_shared_by_documents_that_differ_only_in_types(
    tmp_path: Path, passed: str, other: str
) -> None:
    """JSON text with repr for the rest loses types (a date, bytes): the mark of a document that passed must
    not let through one that differs from it only there."""
    from validator.ingest.documents import load_documents
    from validator.ingest.schemas import validate
    from validator.model.errors import InputError

    template = "waivers:\n  - id: PP-EXPOSED-PORT\n    {field}\n"
    defaults = {"reason": "reason: accepted risk", "owner": "owner: ops\n    expires: '2026-01-31'"}

    def waivers(field: str) -> object:
        fields = [field] + [v for k, v in defaults.items() if not field.startswith(k)]
        return load_documents(template.format(field="\n    ".join(fields)), "w.yaml")[0]

    assert cache.use(tmp_path / "cache") is None
    validate(waivers(passed), "waivers.schema.json", "w.yaml")  # passes, and is marked
    with pytest.raises(InputError):
        validate(waivers(other), "waivers.schema.json", "w.yaml")


def test_the_cache_keeps_the_recently_used_entries_within_its_size(
    cli: Cli, tree: Path, tmp_path: Path, evaluated: list[str]
) -> None:
    store = tmp_path / "cache"
    first = resources(cli, tree, "--cache-dir", str(store))
    entries = _entries(store)
    old = time.time() - 3600
    for path in entries:
        os.utime(path, (old, old))
    evaluated.clear()
    assert resources(cli, tree, "--cache-dir", str(store)) == first and evaluated == []
    assert all(p.stat().st_mtime > old + 10 for p in entries)  # hits refresh them
    for path in entries:
        os.utime(path, (old, old))
    (tree / "other/main.tf").write_text(SG.format(name="app", port=2200, cidr='"192.168.0.0/16"'))
    settle(tree)
    resources(cli, tree, "--cache-dir", str(store))  # "live" is a hit; "other" a new entry, its old one unused
    stale = [p for p in entries if p.stat().st_mtime < old + 10]
    assert len(stale) == 1
    newest = max(_entries(store), key=lambda p: p.stat().st_mtime)
    kinds = ("terraform", "valid", "documents")
    everything = [p for p in store.rglob("*") if p.is_file() and p.parent.parent.name in kinds]
    cache.prune(store, limit=sum(p.stat().st_size for p in everything) - 1)
    left = set(_entries(store))
    assert stale[0] not in left and newest in left  # the least recently used went first
    assert check(cli, tree, store)  # and what is left is read back right


def test_an_unusable_default_folder_is_a_run_without_the_cache_in_silence(
    cli: Cli, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "xdg"
    home.mkdir()
    (home / "palette-policy").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    result = cli("input", tree)
    assert result.exit_code == 0 and result.stderr == ""
    assert cache.active() is None
