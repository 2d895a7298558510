"""A policy bundle: the Rego modules and data documents one run evaluates, read once and digested.

``load_bundle`` walks policy directories (``**/*.rego`` policies, ``**/*.json|yaml|yml`` data) and extra
data files, checks every module parses and compiles (regorus), and refuses sandboxed builtins, so a bad
policy is reported as one InputError with file, line and column before any backend runs. Data documents
are deep-merged at the root of ``data`` (conftest convention; OPA's directory prefixes are not applied).
The digest covers every module and data file in a stable order, for the report's provenance.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.ingest.documents import load_documents
from validator.ingest.reader import read_bytes
from validator.model.errors import InputError
from validator.policy.engine.rego_ast import ModuleInfo, check_sandbox, parse_module

FINDING_RULES = ("deny", "warn", "violation")
DATA_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class Bundle:
    """Modules (name → source, sorted by name), merged data, digest and packages with finding rules."""

    modules: dict[str, str]
    data: dict[str, Any]
    digest: str  # "sha256:<hex>"
    packages: list[str]  # packages with deny/warn/violation, e.g. "palette.ports"
    files: list[str] = field(default_factory=list)  # every file read, in digest order
    infos: dict[str, ModuleInfo] = field(default_factory=dict, repr=False)


def _read(path: Path, root: Path | None = None) -> bytes:
    """Through the one reader (limits, no FIFO or device); ``root``: a file found in a policy folder, which
    must not lead out of it through a link."""
    return read_bytes(path, str(path), root=root)


def _text(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("file is not valid UTF-8", file=str(path), line=line, hint="save the file as UTF-8") from None


def parse_data(path: Path, raw: bytes, shown: str | None = None) -> Any:
    """A JSON or YAML data document; InputError (naming ``shown``) with the line on a syntax error."""
    name = shown or str(path)
    text = _text(Path(name), raw)
    docs = [doc for doc in load_documents(text, name) if doc is not None]  # duplicate keys, bad scalars: errors
    if len(docs) > 1:
        raise InputError(
            "a data file must hold one YAML document", file=name, hint="split it into one file per document"
        )
    return docs[0] if docs else {}


def merge_data(base: dict[str, Any], doc: Any, source: str, owners: dict[str, str], prefix: str = "") -> None:
    """Deep-merge ``doc`` into ``base``; two files giving different values for one path is an error."""
    if not isinstance(doc, dict):
        raise InputError(
            "a data document must be an object (mapping) at the top level",
            file=source,
            hint='wrap the value in an object, e.g. {"name": ...}',
        )
    for key, value in doc.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key in base and isinstance(base[key], dict) and isinstance(value, dict):
            merge_data(base[key], value, source, owners, path)
        elif key in base and base[key] != value:
            owner = next((owners[p] for p in _prefixes(path) if p in owners), "another file")
            raise InputError(
                f"data.{path} is also defined by {owner} with a different value",
                file=source,
                hint="give each data file its own keys",
            )
        else:
            base[key] = value
            owners[path] = source


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def _scan(directory: Path, skip_dirs: tuple[str, ...]) -> tuple[list[Path], list[Path]]:
    if not directory.exists():
        raise InputError(
            f"policy directory {directory} does not exist", hint="pass an existing directory of .rego files"
        )
    if directory.is_file():
        if directory.suffix == ".rego":
            return [directory], []
        if directory.suffix in DATA_SUFFIXES:
            return [], [directory]
        raise InputError("not a policy (.rego) or data (.json/.yaml) file", file=str(directory))
    files = sorted(
        p
        for p in directory.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") or part in skip_dirs for part in p.relative_to(directory).parent.parts)
        and not p.name.startswith(".")
    )
    return ([p for p in files if p.suffix == ".rego"], [p for p in files if p.suffix in DATA_SUFFIXES])


def _digest_name(root: Path, path: Path) -> str:
    """A location-independent name for the digest: the root's own name plus the relative path."""
    if root == path:
        return path.name
    return f"{root.name}/{path.relative_to(root).as_posix()}"


def is_test_module(path: Path, info: ModuleInfo) -> bool:
    """``*_test.rego``, or a module whose rules are all ``test_``/``todo_test_`` rules."""
    if path.name.endswith("_test.rego"):
        return True
    return bool(info.rules) and all(r.name.startswith(("test_", "todo_test_")) for r in info.rules)


def load_bundle(
    dirs: list[Path],
    data_files: list[Path] | None = None,
    *,
    include_tests: bool = True,
    skip_dirs: tuple[str, ...] = ("profiles",),
    display: Callable[[Path], str] | None = None,
) -> Bundle:
    """Read, check and digest the policies in ``dirs`` and the data in ``data_files``.

    ``include_tests=False`` leaves out test modules (see ``is_test_module``), e.g. for evaluating
    findings: they are not needed, and rego-cpp crashes compiling typical ones. The digest then covers
    only what is loaded. Sub-directories named in ``skip_dirs`` are not read (requirement profiles live
    in ``policies/profiles/`` and are loaded by the profile stage, not as policy data). ``display`` names
    each file in module keys, errors and ``files`` (default: the path as given)."""
    # (group, digest name, path, content); group 0: modules, 1: data in policy dirs, 2+: --data in order
    entries: list[tuple[int, str, Path, bytes]] = []
    for directory in dirs:
        rego_files, data_in_dir = _scan(Path(directory), skip_dirs)
        inside = None if Path(directory).is_file() else Path(directory)
        for path in rego_files:
            entries.append((0, _digest_name(Path(directory), path), path, _read(path, inside)))
        for path in data_in_dir:
            entries.append((1, _digest_name(Path(directory), path), path, _read(path, inside)))
    for index, path in enumerate(data_files or []):
        entries.append((2 + index, f"data/{Path(path).name}", Path(path), _read(Path(path))))

    modules: dict[str, str] = {}
    infos: dict[str, ModuleInfo] = {}
    data: dict[str, Any] = {}
    owners: dict[str, str] = {}
    hasher = hashlib.sha256()
    files: list[str] = []
    for group, name, path, raw in sorted(entries, key=lambda e: (e[0], e[1], str(e[2]))):
        kind = "module" if group == 0 else "data"
        shown = display(path) if display is not None else str(path)
        if kind == "module":
            key = shown
            if key in modules:
                continue
            if not include_tests and path.name.endswith("_test.rego"):
                continue  # a test module by its name: not parsed (perf), left out as below
            source = _text(Path(shown), raw)
            info = parse_module(key, source)
            if not include_tests and is_test_module(path, info):
                continue
            modules[key] = source
            infos[key] = info
        else:
            merge_data(data, parse_data(path, raw, shown), shown, owners)
        hasher.update(f"{kind}\0{name}\0{hashlib.sha256(raw).hexdigest()}\n".encode())
        files.append(shown)
    check_sandbox(list(infos.values()))
    _compile_check(modules, data)
    packages = sorted(
        {info.package for info in infos.values() if any(rule.name in FINDING_RULES for rule in info.rules)}
    )
    return Bundle(
        modules=modules, data=data, digest=f"sha256:{hasher.hexdigest()}", packages=packages, files=files, infos=infos
    )


def _compile_check(modules: dict[str, str], data: dict[str, Any]) -> None:
    """Compile everything together once, so unsafe variables and bad imports fail at load."""
    from validator.policy.engine.regorus_engine import RegorusEngine

    RegorusEngine().load(modules, data)
