"""``load_root``: one Terraform root module evaluated into its part of the inventory (see the package)."""

from __future__ import annotations

from pathlib import Path

from validator.ingest.loaders.terraform import TerraformRoot
from validator.ingest.loaders.terraform.acls import load_acls
from validator.ingest.loaders.terraform.budget import LIMITS, BudgetExceeded, Limits, metered, nesting
from validator.ingest.loaders.terraform.config import Run
from validator.ingest.loaders.terraform.groups import load_groups
from validator.ingest.loaders.terraform.module import MISSING, root_instance
from validator.ingest.loaders.terraform.resources import gather
from validator.ingest.loaders.terraform.variables import RootValues, VariableOptions, is_auto_loaded, root_values
from validator.model.inventory import Inventory, LoadedFile


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
