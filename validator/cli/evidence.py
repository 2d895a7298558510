"""``palette-policy evidence verify DIR``: check an evidence bundle against its inputs."""

from __future__ import annotations

from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.settings import App

evidence_app = App(help="Evidence bundles written by `validate --evidence DIR`.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("verify")
def verify(
    directory: Path = typer.Argument(..., help="The bundle folder (holds manifest.json)."),
    inputs: Path | None = typer.Option(None, "--inputs", help="The scanned folder (default: as recorded)."),
    rerun: bool = typer.Option(False, "--rerun", help="Run the validation again and compare the verdicts."),
    key: Path | None = typer.Option(
        None, "--key", help="minisign public key: also check the bundle's signature (validate --sign)."
    ),
) -> None:
    """Re-hash the bundle, the inputs, policies and profiles; exit 1 on any changed, missing or added file.

    Without --key this proves that nothing changed by accident since the run; it cannot tell a manifest that
    someone rewrote with fresh digests. With --key it also proves the manifest is the one the key signed."""

    def body() -> int:
        from validator.report.evidence import Rerun
        from validator.report.evidence_verify import verify as run_verify

        again: Rerun | None = None
        if rerun:  # the pipeline is imported only when asked to re-run
            from validator.cli import pipeline

            again = pipeline.rerun

        result = run_verify(directory, inputs, again, key)
        for line in result.lines():
            typer.echo(line)
        typer.echo(
            "evidence verified: no change"
            + (", signature good" if key else "")
            + (", verdicts confirmed" if rerun else "")
            if result.ok
            else f"evidence NOT verified: {len(result.lines())} difference(s)"
        )
        return 0 if result.ok else 1

    guarded(body)
