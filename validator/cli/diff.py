"""``palette-policy diff BASE HEAD``: which required paths and exposures a change affects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from validator.cli import app, guarded
from validator.cli.stack_options import PARAMETER, PARAMETER_FILE, REGION, stack_inputs
from validator.model.errors import InputError

if TYPE_CHECKING:  # imported lazily below: the CLI starts fast whatever the command
    from validator.cli.pipeline import Options
    from validator.model.report import Report
    from validator.report.diff import DiffResult


@app.command("diff")
def diff_command(
    base: Path | None = typer.Argument(None, help="The folder before the change (omit with --git-base)."),
    head: Path | None = typer.Argument(None, help="The folder after the change."),
    git_base: str | None = typer.Option(
        None,
        "--git-base",
        help="Compare the working tree folder HEAD (or BASE "
        "when only one folder is given) with this git ref of the same repo.",
    ),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Requirement profile(s); overrides the topology's."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    policy: list[Path] = typer.Option([], "--policy", help="Extra folder of Rego policies (repeatable)."),
    output_format: str = typer.Option("table", "--format", "-f", help="table, json or markdown."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the diff here (atomically)."),
    parameter: list[str] = PARAMETER,
    parameter_file: list[Path] = PARAMETER_FILE,
    region: str | None = REGION,
) -> None:
    """Compare two versions of a network; exit 1 when the change breaks a required path."""

    def body() -> int:
        from validator.cli.pipeline import Options
        from validator.ingest.git import git_checkout
        from validator.report import write
        from validator.report.diff import RENDERERS

        if output_format not in RENDERERS:
            raise InputError(f"unknown format {output_format!r}", hint="use table, json or markdown")
        from validator.ingest.config import discover_config

        cfg = discover_config(head or base or Path("."))
        options = Options(
            path=Path("."),
            profiles=profile or cfg.get("profile"),
            profiles_dirs=profiles_dir or cfg.get("profiles_dirs", []),
            policy_dirs=policy or cfg.get("policy_dirs", []),
            data_files=cfg.get("data_files", []),
            namespaces=cfg.get("namespaces", []),
            stack=stack_inputs(parameter, parameter_file, region),
        )
        if git_base:
            folder = head or base
            if folder is None or (head is not None and base is not None):
                raise InputError("with --git-base give exactly one folder (the working tree side)")
            with git_checkout(folder, git_base) as old:
                result = diff(old, folder, options)
                result.base = f"{folder} at {git_base}"
        else:
            if base is None or head is None:
                raise InputError("give BASE and HEAD folders, or one folder and --git-base REF")
            result = diff(base, head, options)
        write(RENDERERS[output_format](result), output)
        return result.exit_code

    guarded(body)


def diff(base: Path, head: Path, options: Options) -> DiffResult:
    """Run the same validation on both folders and compare the reports."""
    from validator.cli.pipeline import Options, run
    from validator.report.diff import compare

    def one(path: Path, label: str) -> Report:
        opts = Options(**{**options.__dict__, "path": path})
        report = run(opts)
        report.root = label
        return report

    return compare(one(base, str(base)), one(head, str(head)))
