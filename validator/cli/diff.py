"""``palette-policy diff BASE HEAD``: which required paths and exposures a change affects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from validator.cli import app, guarded
from validator.cli.options import NetworkReading, fail_on_option, reads_network
from validator.cli.outputs import emit, format_option, output_option, plan
from validator.cli.settings import source
from validator.model.errors import InputError

if TYPE_CHECKING:  # imported lazily below: the CLI starts fast whatever the command
    from validator.cli.pipeline import Options
    from validator.model.report import Report
    from validator.report.diff import DiffResult

FORMATS = ("table", "json", "markdown")


@app.command("diff")
@reads_network
def diff_command(
    ctx: typer.Context,
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
    data: list[Path] = typer.Option([], "--data", help="Extra data file (YAML/JSON) for the policies."),
    namespace: list[str] = typer.Option([], "--namespace", help="Only report these Rego packages."),
    waivers: Path | None = typer.Option(
        None, "--waivers", help="Waivers file for both sides (default: each side's .palette-policy-waivers.yaml)."
    ),
    no_waivers: bool = typer.Option(False, "--no-waivers", help="Ignore every waiver."),
    fail_on: str | None = fail_on_option(),
    output_format: str = format_option(FORMATS, "table", "Format of stdout, or of the one plain --output FILE."),
    output: list[str] = output_option(),
    *,
    reading_options: NetworkReading,
) -> None:
    """Compare two versions of a network; exit 1 when the change breaks a required path (or, with
    --fail-on, adds a finding at or above that level)."""

    def body() -> int:
        from validator.cli.pipeline import Options
        from validator.ingest.git import git_checkout

        outputs = plan(output, output_format, source(ctx, "output_format") == "command line", FORMATS)
        options = Options(
            path=Path("."),
            profiles=profile or None,
            profiles_dirs=profiles_dir,
            policy_dirs=policy,
            data_files=data,
            namespaces=namespace,
            waivers_file=None if no_waivers else waivers,
            use_waivers=not no_waivers,
            **reading_options.settings(),
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
        result.fail_on = fail_on or "none"
        from validator.report.diff import RENDERERS

        emit(outputs, lambda name: RENDERERS[name](result))
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
