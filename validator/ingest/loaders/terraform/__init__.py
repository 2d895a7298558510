"""Terraform HCL, evaluated as Terraform plans it: security groups, their rules, prefix lists, subnets and
network ACLs, with file:line.

The package parses HCL itself (``lexer``, ``parser``: exact text and lines) and evaluates it
(``module``, ``expr``, ``functions``, ``types``): variables from defaults, ``TF_VAR_*``, tfvars files and
the command line in Terraform's order (``variables``), locals, every ``count`` / ``for_each`` instance of
every resource and module call (no cap), module outputs through their ``output`` blocks, dynamic blocks,
Terraform's type conversions. Null and unknown are kept apart: an absent or ``null`` attribute is absent;
only a value known after apply (a new resource's computed attribute, a data source, a variable nobody
set) is unknown, with its expression and location. What cannot be expanded is an input issue.

``load_root`` is the entry point: a pure function of (folder, its admitted files, the variable options)
returning plain, picklable data, so it can run in another process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from validator.ingest.loaders.terraform.acls import load_acls
from validator.ingest.loaders.terraform.budget import LIMITS, BudgetExceeded, Limits, metered, nesting
from validator.ingest.loaders.terraform.config import Run
from validator.ingest.loaders.terraform.groups import load_groups
from validator.ingest.loaders.terraform.module import MISSING, root_instance
from validator.ingest.loaders.terraform.resources import gather
from validator.ingest.loaders.terraform.variables import RootValues, VariableOptions, is_auto_loaded, root_values
from validator.model.inventory import Inventory, LoadedFile

__all__ = ["TerraformRoot", "VariableOptions", "is_auto_loaded", "load_root"]


@dataclass
class TerraformRoot:
    """What one root module gives: its part of the inventory, every file read (root and module
    sources: the evidence hashes them) and what set its variables (names only)."""

    inventory: Inventory
    files_read: list[str] = field(default_factory=list)
    variable_files: list[str] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)
    command_line: list[str] = field(default_factory=list)
    module_dirs: list[str] = field(default_factory=list)  # folders read as module sources


def load_root(
    directory: Path,
    display: str,
    names: list[str],
    options: VariableOptions | None = None,
    limits: Limits = LIMITS,
    excluded: frozenset[str] = frozenset(),
) -> TerraformRoot:
    """Evaluate the root module in ``directory`` (``display``: its path in reports; ``names``: its admitted
    ``.tf`` / ``.tf.json`` / auto-loaded variables files) within the evaluation budget ``limits``: a root
    that exceeds it gives one input issue and none of its resources. ``excluded``: what the scan did not
    admit, as display paths, folders ending with ``/``: a local module's files there are not read."""
    options = options or VariableOptions()
    run = Run(directory, options.workspace, root_display=display, excluded=excluded)
    config = run.config(directory, display, [n for n in names if n.endswith((".tf", ".tf.json"))])
    inv = Inventory()
    values = RootValues()
    try:
        with metered(limits):
            try:
                values = root_values(directory, display, [n for n in names if is_auto_loaded(n)], options)
                top = root_instance(run, config, lambda name: values.values.get(name, MISSING))
                root = gather(top, "" if display in ("", ".") else display)
                load_groups(root, inv)
                load_acls(root, inv)
                inv.issues.extend(root.issues)
            except RecursionError:
                raise nesting() from None
    except BudgetExceeded as exc:
        inv = Inventory(issues=[exc.issue(display, config.files[0] if config.files else display)])
    read = list(dict.fromkeys(run.files_read))
    inv.files.extend(LoadedFile(path, "terraform", 0) for path in sorted(read))
    inv.files.extend(LoadedFile(path, "terraform-variables", 0) for path in values.files)
    inv.variables = {
        key: names
        for key, names in (
            ("files", values.files),
            ("environment", values.environment),
            ("command_line", values.command_line),
        )
        if names
    }
    return TerraformRoot(
        inv,
        read,
        values.files,
        values.environment,
        values.command_line,
        sorted({c.display for c in run.configs.values() if c is not config}),
    )
