"""``palette-policy init [PATH]``: write a first palette-network.yaml from what the configs declare."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.options import READING, reading_settings
from validator.cli.outputs import output_option, plan
from validator.model.errors import InputError


@app.command()
def init(
    path: Path = typer.Argument(Path("."), help="Folder with the network configs (default: the current folder)."),
    output: list[str] = output_option(
        "Write here instead of PATH/palette-network.yaml: FILE or yaml=FILE; - (or yaml=-) for standard output."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing topology file."),
    palette_version: str | None = typer.Option(
        None, "--palette-version", help="The Palette version you run (chooses the profiles), e.g. 4.5."
    ),
    keep_going: bool = READING["keep_going"],
    allow_outside: list[Path] = READING["allow_outside"],
    parser_memory: int = READING["parser_memory"],
    parser_timeout: float = READING["parser_timeout"],
) -> None:
    """Write a first topology: roles guessed from the names of groups, subnets and namespaces, each guess
    commented, a TODO where nothing says; never over an existing file without --force."""

    def body() -> int:
        from validator.analysis.draft import draft_topology
        from validator.cli.pipeline import Options, load
        from validator.ingest.documents import load_document
        from validator.ingest.topology import parse_topology
        from validator.report import write_output
        from validator.report.topology_draft import render

        if palette_version is not None and not re.fullmatch(r"[0-9]+(\.[0-9]+){0,2}", palette_version):
            raise InputError(f"--palette-version {palette_version!r} is not a version such as 4.5 or 4.6.12")
        folder = path if path.is_dir() else path.parent
        target: Path | None = folder / "palette-network.yaml"
        if output:  # the same --output as every command's (so PALETTE_POLICY_OUTPUT meant for another is refused)
            outputs = plan(output, "yaml", False, ("yaml",))
            if len(outputs) > 1:
                raise InputError("init writes one file", hint="give one --output")
            target = outputs[0].path
        if target is not None and target.exists() and not force:
            raise InputError(f"{target} exists", hint="pass --force to overwrite it, or --output FILE")
        reading = reading_settings(keep_going, allow_outside, parser_memory, parser_timeout)
        loaded = load(Options(path=path, use_topology=False, **reading))
        if not loaded.inventory.files:
            raise InputError(
                f"nothing to start from in {path}: no configuration file was read",
                hint="point PATH at the folder with your Terraform, CloudFormation, Kubernetes or proxy configs",
            )
        draft = draft_topology(loaded.inventory, palette_version)
        text = render(draft, str(path))
        parse_topology(load_document(text, "palette-network.yaml"), "palette-network.yaml")  # the draft is valid
        todo_lines = [str(n) for n, line in enumerate(text.splitlines(), 1) if "# TODO" in line]
        if target is None:
            typer.echo(text, nl=False)
        else:
            write_output(target, text)
        where = "standard output" if target is None else str(target)
        typer.echo(
            f"wrote {where}: {len(todo_lines)} TODO(s)"
            + (f" (lines {', '.join(todo_lines[:10])}{', …' if len(todo_lines) > 10 else ''})" if todo_lines else "")
            + f"; review the guesses, then run: palette-policy validate {path}",
            err=True,
        )
        return 0

    guarded(body)
