"""Repository defaults: ``.palette-policy.yaml`` or ``[tool.palette-policy]`` in ``pyproject.toml``.

Looked for from the scanned folder up to the repository root (the folder holding ``.git``), so a repo
states its profile, formats and policy folders once and every pre-merge hook and CI job agrees. A
command-line option always wins over the file. Paths in the file are relative to the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.ingest.discover import read_text
from validator.ingest.documents import LineDict, load_document
from validator.ingest.git import git_root
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
        if (folder / CONFIG_FILE).is_file():
            return folder / CONFIG_FILE
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "palette-policy" in _pyproject_tool(pyproject):
            return pyproject
    return None


def _pyproject_tool(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(read_text(path, str(path)))
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


def load_config(path: Path) -> Config:
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
        doc = load_document(read_text(path, name), name) or LineDict()
        validate(doc, "config.schema.json", name)
    values = dict(doc)
    if isinstance(values.get("profile"), str):
        values["profile"] = [values["profile"]]
    base = path.parent
    for key in PATH_LISTS:
        if key in values:
            values[key] = [base / p for p in values[key]]
    for key in PATH_KEYS:
        if key in values:
            values[key] = base / values[key]
    return Config(file=name, values=values)


def _toml_line(path: Path) -> int | None:
    for number, text in enumerate(read_text(path, str(path)).splitlines(), 1):
        if text.strip().replace(" ", "") in ("[tool.palette-policy]", '[tool."palette-policy"]'):
            return number
    return None


def discover_config(start: Path, explicit: Path | None = None) -> Config:
    path = explicit or find_config(start)
    return load_config(path) if path is not None else Config()
