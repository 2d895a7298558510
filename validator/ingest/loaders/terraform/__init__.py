"""Terraform HCL, evaluated as Terraform plans it: security groups, their rules, prefix lists, subnets and
network ACLs, with file:line.

The package parses HCL itself (``lexer``, ``parser``: exact text and lines) and evaluates it
(``module``, ``expr``, ``functions``, ``types``): variables from defaults, ``TF_VAR_*``, tfvars files and
the command line in Terraform's order (``variables``), locals, every ``count`` / ``for_each`` instance of
every resource and module call (no cap), module outputs through their ``output`` blocks, dynamic blocks,
Terraform's type conversions. Null and unknown are kept apart: an absent or ``null`` attribute is absent;
only a value known after apply (a new resource's computed attribute, a data source, a variable nobody
set) is unknown, with its expression and location. What cannot be expanded is an input issue.

``evaluate.load_root`` is the entry point: a pure function of (folder, its admitted files, the variable
options) returning plain, picklable data, so it can run in another process. This module holds only what the
rest of the program names (the result, the variable options), so that a run the parse cache serves never
imports the parser and the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from validator.ingest.loaders.terraform.variables import VariableOptions, is_auto_loaded
from validator.model.inventory import Inventory

__all__ = ["TerraformRoot", "VariableOptions", "is_auto_loaded"]


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
