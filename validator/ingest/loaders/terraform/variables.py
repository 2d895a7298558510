"""Root module variable values, in Terraform's order of precedence (T1: the later wins).

1. ``default`` in the ``variable`` block;
2. ``TF_VAR_name`` environment variables;
3. ``terraform.tfvars``, then ``terraform.tfvars.json``;
4. ``*.auto.tfvars`` / ``*.auto.tfvars.json``, in lexical order of their names;
5. ``--var-file FILE`` and ``--var NAME=VALUE``, in the order given on the command line.

Other ``.tfvars`` files are not loaded (Terraform needs ``-var-file`` for them). What was applied is
recorded by file name and variable name — never a value, so a variable marked ``sensitive`` stays secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from validator.ingest.loaders.terraform.values import EvalError, RawText
from validator.ingest.reader import current_scope, read_bytes
from validator.model.errors import InputError

AUTO_FILES = ("terraform.tfvars", "terraform.tfvars.json")


def is_auto_loaded(name: str) -> bool:
    """Whether Terraform reads this variables file by itself from a root module's folder."""
    return name in AUTO_FILES or name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def auto_order(names: list[str]) -> list[str]:
    """The auto-loaded variables files of a folder in the order Terraform applies them."""
    fixed = [n for n in AUTO_FILES if n in names]
    auto = sorted(n for n in names if n not in AUTO_FILES and is_auto_loaded(n))
    return fixed + auto


@dataclass(frozen=True)
class VariableOptions:
    """What the command line and the environment give every root module (plain, picklable).

    ``command_line``: ``("var-file", path)`` and ``("var", "NAME=VALUE")`` in command-line order;
    ``environment``: the ``TF_VAR_*`` variables (name, value)."""

    command_line: tuple[tuple[str, str], ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    workspace: str = "default"


@dataclass
class RootValues:
    """The values of one root's variables and what supplied them."""

    values: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # variables files applied, display paths, in order
    environment: list[str] = field(default_factory=list)  # TF_VAR_ names applied
    command_line: list[str] = field(default_factory=list)  # --var names applied


def root_values(directory: Path, display: str, names: list[str], options: VariableOptions) -> RootValues:
    """Every value given to the root in ``directory`` (``names``: its admitted file names)."""
    out = RootValues()
    for key, text in options.environment:
        name = key.removeprefix("TF_VAR_")
        out.values[name] = RawText(text, key)
        out.environment.append(key)
    for name in auto_order(names):
        shown = f"{display}/{name}" if display not in ("", ".") else name
        out.values.update(read_variables_file(directory / name, shown, inside=True))
        out.files.append(shown)
    for kind, item in options.command_line:
        if kind == "var-file":
            out.values.update(read_variables_file(Path(item), item, inside=False))
            out.files.append(item)
        else:
            name, _, text = item.partition("=")
            out.values[name.strip()] = RawText(text, f"--var {name.strip()}")
            out.command_line.append(name.strip())
    return out


def read_variables_file(path: Path, shown: str, inside: bool = True) -> dict[str, Any]:
    """One ``.tfvars`` (HCL attributes) or ``.tfvars.json`` file → values; InputError with file:line.

    ``inside``: a file of the repository (confined to it); else one the command line named."""
    # the parser and the evaluator, imported on first use (perf): a run the parse cache serves reads no HCL
    from validator.ingest.loaders.terraform.expr import CONSTANTS
    from validator.ingest.loaders.terraform.lexer import decode
    from validator.ingest.loaders.terraform.parser import parse_hcl

    data = read_bytes(path, shown, root=current_scope().root if inside else None)
    text = decode(data, shown, hcl=not path.name.endswith(".json"))
    if path.name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=shown, line=exc.lineno) from None
        if not isinstance(data, dict):
            raise InputError("a .tfvars.json file must hold one object", file=shown, line=1)
        return data
    body = parse_hcl(text, shown)
    if body.blocks:
        first = body.blocks[0]
        raise InputError(
            f"a variables file holds only name = value lines, not a {first.type!r} block",
            file=shown,
            line=first.line,
            hint="move the block to a .tf file",
        )
    values: dict[str, Any] = {}
    for name, attr in body.attributes.items():
        try:
            values[name] = attr.expr.ev(CONSTANTS.at(attr))
        except EvalError as exc:
            raise InputError(f"{name}: {exc}", file=shown, line=attr.line) from None
    return values
