"""Options shared by the commands that load a network (validate, input, explain, diff): one definition each.

Terraform's variables (T1): ``--var-file FILE`` and ``--var NAME=VALUE`` (repeatable, applied in the order
they are given on the command line, after the root's own tfvars files), ``--workspace NAME``
(``terraform.workspace``), and the ``TF_VAR_*`` environment variables.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from validator.ingest.loaders.terraform.variables import VariableOptions
from validator.model.errors import InputError

VAR_FILE = typer.Option(
    [],
    "--var-file",
    metavar="FILE",
    help="Terraform variables file applied to every root module, after its own tfvars files (repeatable).",
)
VAR = typer.Option(
    [],
    "--var",
    metavar="NAME=VALUE",
    help="Terraform variable value for every root module; wins over the files (repeatable).",
)
WORKSPACE = typer.Option("default", "--workspace", metavar="NAME", help="Terraform workspace (terraform.workspace).")


def variable_options(var_files: list[Path], variables: list[str], workspace: str) -> VariableOptions:
    """The Terraform variable options as the loader takes them; a ``--var`` without ``=`` is a usage error."""
    for item in variables:
        name, sep, _ = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--var {item!r} is not NAME=VALUE", hint="write --var name=value")
    for path in var_files:
        if not path.is_file():
            raise InputError(f"--var-file {path} is not a file", hint="give the path of a .tfvars or .tfvars.json file")
    items = [("var-file", str(p)) for p in var_files] + [("var", v) for v in variables]
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("TF_VAR_") and len(k) > 7))
    return VariableOptions(tuple(_command_line_order(items)), environment, workspace)


def _command_line_order(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``--var-file`` and ``--var`` in the order they appear in the process's arguments (Terraform applies
    them so); when the arguments do not show them (a program calling the command), files first."""
    seen: list[tuple[str, str]] = []
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        for flag, kind in (("--var-file", "var-file"), ("--var", "var")):
            if arg == flag and i + 1 < len(argv):
                seen.append((kind, argv[i + 1]))
            elif arg.startswith(flag + "="):
                seen.append((kind, arg[len(flag) + 1 :]))
    normalized = [(k, str(Path(v)) if k == "var-file" else v) for k, v in seen]
    return normalized if sorted(normalized) == sorted(items) else items
