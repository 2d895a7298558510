"""Repository defaults: ``.palette-policy.yaml`` or ``[tool.palette-policy]`` in ``pyproject.toml``.

Looked for from the scanned folder up to the repository root (the folder holding ``.git``), so a repo
states its profile, formats and policy folders once and every pre-merge hook and CI job agrees. Keys are
the commands' long options (``fail_on`` for ``--fail-on``); a section named after a command (``validate:``,
``diff:``, ``policy_test:``) holds settings for that command only. The command line and the environment win
over the file (``validator/cli/settings.py``). Paths in the file are relative to the file: which keys are
paths the schema says (``$ref: #/$defs/path`` or ``#/$defs/paths``). They must stay inside the repository
that holds the file (links resolved): the file is written by whoever writes the pull request, so it must not
make the run read ``~/.kube/config`` into a policy's data. Only the command line and the environment may
point outside.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.ingest.documents import LineDict, load_document
from validator.ingest.git import git_root
from validator.ingest.reader import is_inside, read_text
from validator.ingest.schemas import validate
from validator.model.errors import InputError

CONFIG_FILE = ".palette-policy.yaml"


@dataclass
class Config:
    file: str | None = None
    values: dict[str, Any] = field(default_factory=dict)  # top level; sections are dicts under their name
    lines: dict[str, int] = field(default_factory=dict)  # "key" or "section.key" → line in the file

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def section(self, name: str) -> dict[str, Any]:
        found = self.values.get(name)
        return found if isinstance(found, dict) and name in _sections() else {}

    def line(self, key: str, section: str | None = None) -> int | None:
        return self.lines.get(f"{section}.{key}" if section else key) or self.lines.get(key)


def _schema() -> dict[str, Any]:
    from validator.ingest.schemas import load_schema

    return load_schema("config.schema.json")


def _sections() -> set[str]:
    return {k for k, v in _schema()["properties"].items() if v.get("$ref") == "#/$defs/section"}


def _path_keys() -> tuple[set[str], set[str]]:
    """(keys holding one path, keys holding a list of paths), as the schema declares them."""
    settings = _schema()["$defs"]["settings"]["properties"]
    one = {k for k, v in settings.items() if v.get("$ref") == "#/$defs/path"}
    many = {k for k, v in settings.items() if v.get("$ref") == "#/$defs/paths"}
    return one, many


def _candidates(start: Path) -> list[Path]:
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    top = git_root(here)
    folders = [here]
    if top is not None:
        folders = [f for f in (here, *here.parents) if f == top or top in f.parents]
    return folders


def find_config(start: Path) -> Path | None:
    for folder in _candidates(start):
        if os.path.lexists(folder / CONFIG_FILE):
            return folder / CONFIG_FILE
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "palette-policy" in _pyproject_tool(pyproject):
            return pyproject
    return None


CONFIG_HINT = "give --config (or PALETTE_POLICY_CONFIG) a readable .palette-policy.yaml or pyproject.toml"


def _read(path: Path, name: str, root: Path | None = None) -> str:
    """The config file's text through the one reader; a file that cannot be read says it is the config."""
    try:
        return read_text(path, name, root=root)
    except InputError as exc:
        if not exc.message.startswith("cannot read file:"):
            raise
        reason = exc.message.removeprefix("cannot read file:").strip()
        raise InputError(f"cannot read the config file: {reason}", file=exc.file, hint=CONFIG_HINT) from None


def _pyproject_tool(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(_read(path, _shown(path)))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=str(path)) from None
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def _shown(path: Path) -> str:
    """A config path as the user will recognise it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _repository(folder: Path) -> Path:
    return Path(os.path.realpath(git_root(folder) or folder))


def load_config(path: Path, given: bool = True) -> Config:
    """Read a defaults file; ``given``: named on the command line (else found in the repository, and then
    it must itself stay inside the repository, links resolved)."""
    name = _shown(path)
    line = None
    if path.name == "pyproject.toml":
        raw = _pyproject_tool(path).get("palette-policy", {})
        doc: Any = LineDict(_underscored(raw)) if isinstance(raw, dict) else raw
        line = _toml_line(path)
        if isinstance(doc, LineDict) and line is not None:
            doc.line = line
        try:
            validate(doc, "config.schema.json", name)
        except InputError as exc:
            raise exc.located(name, line) from None
    else:
        line = None
        doc = load_document(_read(path, name, root=None if given else _repository(path.parent)), name)
        doc = LineDict() if doc is None else doc
        validate(doc, "config.schema.json", name)
    lines = dict(getattr(doc, "key_lines", {}))
    values = _resolved(dict(doc), path.parent)
    for section in _sections() & set(values):
        values[section] = _resolved(dict(values[section]), path.parent)
        lines.update({f"{section}.{k}": n for k, n in getattr(doc[section], "key_lines", {}).items()})
    if line is not None:  # TOML: every key is reported at its table
        lines = {k: lines.get(k, line) for k in {*lines, *values}}
    config = Config(file=name, values=values, lines=lines)
    _confine(config, _repository(path.parent))
    return config


def _resolved(values: dict[str, Any], base: Path) -> dict[str, Any]:
    """Paths relative to the config file's folder; a single profile name as a list."""
    if isinstance(values.get("profile"), str):
        values["profile"] = [values["profile"]]
    one, many = _path_keys()
    for key in many & set(values):
        values[key] = [base / p for p in values[key]]
    for key in one & set(values):
        values[key] = base / values[key]
    return values


def _underscored(table: dict[str, Any]) -> dict[str, Any]:
    """TOML keys as in the YAML file: ``fail-on`` and ``fail_on`` alike, in sections too."""
    return {k.replace("-", "_"): _underscored(v) if isinstance(v, dict) else v for k, v in table.items()}


NOT_READ = frozenset({"sarif_root"})  # path keys the run never opens (a prefix for the SARIF report's URIs)


def _confine(config: Config, repository: Path) -> None:
    """Every path the file gives, once links are resolved, inside ``repository`` (else a located error)."""
    one, many = _path_keys()
    layers = [(None, config.values)] + [(s, config.section(s)) for s in sorted(_sections() & set(config.values))]
    for section, values in layers:
        for key in sorted((one | many) - NOT_READ & set(values)):
            paths = values[key] if key in many else [values[key]]
            for item in paths:
                _inside_repository(item, key, repository, config.file or "", config.line(key, section))


def _inside_repository(path: Path, key: str, repository: Path, name: str, line: int | None) -> None:
    if "\x00" in str(path):
        raise InputError(f"{key}: a path cannot contain a NUL character", file=name, line=line, hint="fix the path")
    real = os.path.realpath(path)
    if not is_inside(real, repository):
        raise InputError(
            f"{key}: {path} is outside the repository ({repository}); a configuration file may only name files "
            "inside its repository",
            file=name,
            line=line,
            hint=f"move it into the repository, or give it on the command line (--{_option(key)}) or in "
            f"PALETTE_POLICY_{_option(key).replace('-', '_').upper()}",
        )


def _option(key: str) -> str:
    """The long option a key sets (older key names included)."""
    older = {"policy_dirs": "policy", "data_files": "data", "profiles_dirs": "profiles_dir"}
    return older.get(key, key).replace("_", "-")


def _toml_line(path: Path) -> int | None:
    for number, text in enumerate(read_text(path, _shown(path)).splitlines(), 1):
        if text.strip().replace(" ", "") in ("[tool.palette-policy]", '[tool."palette-policy"]'):
            return number
    return None


def discover_config(start: Path, explicit: Path | None = None) -> Config:
    path = explicit or find_config(start)
    return load_config(path, given=explicit is not None) if path is not None else Config()
