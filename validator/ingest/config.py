"""Repository defaults: ``.palette-policy.yaml`` or ``[tool.palette-policy]`` in ``pyproject.toml``.

Looked for from the scanned folder up to the repository root (the folder holding ``.git``), so a repo
states its profile, formats and policy folders once and every pre-merge hook and CI job agrees. A
command-line option always wins over the file. Paths in the file are relative to the file, and they must
stay inside the repository that holds it (links resolved): the file is written by whoever writes the pull
request, so it must not make the run read ``~/.kube/config`` into a policy's data. Only the command line
may point outside.
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
PATH_LISTS = ("profiles_dirs", "policy_dirs", "data_files")
PATH_KEYS = ("waivers", "sarif_root")


@dataclass
class Config:
    file: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


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


def _pyproject_tool(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(read_text(path, _shown(path)))
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
    if path.name == "pyproject.toml":
        raw = _pyproject_tool(path).get("palette-policy", {})
        doc: Any = LineDict({k.replace("-", "_"): v for k, v in raw.items()}) if isinstance(raw, dict) else raw
        line = _toml_line(path)
        if isinstance(doc, LineDict) and line is not None:
            doc.line = line
        try:
            validate(doc, "config.schema.json", name)
        except InputError as exc:
            raise exc.located(name, line) from None
    else:
        line = None
        doc = load_document(read_text(path, name, root=None if given else _repository(path.parent)), name)
        doc = LineDict() if doc is None else doc
        validate(doc, "config.schema.json", name)
    values = dict(doc)
    if isinstance(values.get("profile"), str):
        values["profile"] = [values["profile"]]
    base = path.parent
    repository = _repository(base)
    for key in (*PATH_LISTS, *PATH_KEYS):
        if key not in values:
            continue
        paths = [base / p for p in (values[key] if key in PATH_LISTS else [values[key]])]
        if key != "sarif_root":  # read by the run: must stay in the repository
            where = (getattr(doc, "key_lines", None) or {}).get(key, line)
            for item in paths:
                _inside_repository(item, key, repository, name, where)
        values[key] = paths if key in PATH_LISTS else paths[0]
    return Config(file=name, values=values)


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
            hint=f"move it into the repository, or pass it on the command line (--{_flag(key)})",
        )


def _flag(key: str) -> str:
    return {
        "policy_dirs": "policy DIR",
        "data_files": "data FILE",
        "profiles_dirs": "profiles-dir DIR",
        "waivers": "waivers FILE",
    }.get(key, key)


def _toml_line(path: Path) -> int | None:
    for number, text in enumerate(read_text(path, _shown(path)).splitlines(), 1):
        if text.strip().replace(" ", "") in ("[tool.palette-policy]", '[tool."palette-policy"]'):
            return number
    return None


def discover_config(start: Path, explicit: Path | None = None) -> Config:
    path = explicit or find_config(start)
    return load_config(path, given=explicit is not None) if path is not None else Config()
