"""``palette-policy connectivity PATH``: every connection the NetworkPolicies of a folder allow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from validator.cli import app, guarded
from validator.model.errors import EXIT_OK, InputError

FORMATS = ("txt", "json", "csv", "md", "dot")


@app.command()
def connectivity(
    path: Annotated[Path, typer.Argument(help="A folder of Kubernetes manifests (or one file).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="txt | json | csv | md | dot")] = "txt",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (atomically).")] = None,
) -> None:
    """List every allowed connection between workloads and external address ranges."""

    def run() -> int:
        # imported here so that other commands do not pay for YAML and the NetworkPolicy engine
        from validator.analysis.connectivity import connectivity as list_connections
        from validator.analysis.netpol import NetpolModel
        from validator.ingest.loaders.kubernetes import load_cluster
        from validator.report import write_output
        from validator.report.connlist import render

        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
        cluster = load_cluster(str(path))
        for skipped in cluster.skipped:
            typer.echo(f"note: skipped {skipped.path}: {skipped.reason}", err=True)
        text = render(list_connections(NetpolModel(cluster)), fmt)
        if output is not None:
            write_output(output, text)
        else:
            typer.echo(text, nl=False)
        return EXIT_OK

    guarded(run)
