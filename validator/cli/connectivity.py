"""``palette-policy connectivity PATH``: every connection the NetworkPolicies of a folder allow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from validator.cli import app, guarded
from validator.cli.outputs import emit, format_option, output_option, plan
from validator.cli.settings import source
from validator.model.errors import EXIT_OK

FORMATS = ("table", "json", "csv", "markdown", "dot")


@app.command()
def connectivity(
    path: Annotated[Path, typer.Argument(help="A folder of Kubernetes manifests (or one file).")],
    ctx: typer.Context,
    fmt: str = format_option(FORMATS, "table", "Format of stdout, or of the one plain --output FILE."),
    output: list[str] = output_option(),
) -> None:
    """List every allowed connection between workloads and external address ranges."""

    def run() -> int:
        # imported here so that other commands do not pay for YAML and the NetworkPolicy engine
        from validator.analysis.connectivity import connectivity as list_connections
        from validator.analysis.netpol import NetpolModel
        from validator.ingest.loaders.kubernetes import load_cluster
        from validator.report.connlist import render

        outputs = plan(output, fmt, source(ctx, "fmt") == "command line", FORMATS)
        cluster = load_cluster(str(path))
        for skipped in cluster.skipped:
            typer.echo(f"note: skipped {skipped.path}: {skipped.reason}", err=True)
        connections = list_connections(NetpolModel(cluster))
        emit(outputs, lambda name: render(connections, name))
        return EXIT_OK

    guarded(run)
