"""``palette-policy explain PATH --from ROLE --to ROLE --port N``: one path, hop by hop, layer by layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from validator.cli import app, guarded
from validator.cli.options import STACK, VAR, VAR_FILE, WORKSPACE, stack_inputs, variable_options
from validator.cli.outputs import format_option
from validator.model.errors import InputError

if TYPE_CHECKING:  # imported lazily below: the CLI starts fast whatever the command
    from validator.model.topology import Endpoint, Topology


def _endpoints(topology: Topology, name: str) -> list[Endpoint]:
    """Endpoints by endpoint name (prod, prod/api, management) or by role (workload, registry, …)."""
    found = [e for e in topology.endpoints if e.name == name] or topology.role(name)
    if not found:
        known = sorted({e.name for e in topology.endpoints} | {e.role for e in topology.endpoints})
        raise InputError(
            f"no endpoint or role called {name!r} in {topology.path}", hint=f"choose from {', '.join(known)}"
        )
    return found


@app.command()
def explain(
    path: Path = typer.Argument(..., help="Folder with the network configs (as for validate)."),
    source: str = typer.Option(..., "--from", help="Source endpoint or role (e.g. prod, workload, management)."),
    destination: str = typer.Option(..., "--to", help="Destination endpoint or role."),
    port: str = typer.Option(..., "--port", help="Destination port or range, e.g. 4222 or 30000-32767."),
    protocol: str = typer.Option("tcp", "--protocol", help="tcp or udp."),
    direct: bool = typer.Option(False, "--direct", help="Ignore the clients' proxy settings."),
    topology: Path | None = typer.Option(None, "--topology", "-t", help="Topology file."),
    output_format: str = format_option(("table", "json"), "table", "Output format (table: hop by hop)."),
    var_file: list[Path] = VAR_FILE,
    var: list[str] = VAR,
    workspace: str = WORKSPACE,
    parameter: list[str] = STACK["parameter"],
    parameter_file: list[Path] = STACK["parameter_file"],
    region: str | None = STACK["region"],
) -> None:
    """Show how one flow crosses the network: every hop, every layer, the rules that decide."""

    def body() -> int:
        from validator.analysis.reach import evaluate_binding
        from validator.cli.pipeline import Options, load_network
        from validator.model.requirements import Requirement
        from validator.model.rules import SourceRef
        from validator.model.sets import PortSet
        from validator.report.explain import render

        if protocol not in ("tcp", "udp"):
            raise InputError(f"--protocol must be tcp or udp, not {protocol!r}")
        lo, _, hi = port.partition("-")
        if not (lo.isdigit() and (not hi or hi.isdigit())) or not 0 <= int(lo) <= int(hi or lo) <= 65535:
            raise InputError(f"--port {port!r} is not a port or a range such as 30000-32767")
        variables = variable_options(var_file, var, workspace)
        stack = stack_inputs(parameter, parameter_file, region)
        network = load_network(Options(path=path, topology=topology, stack=stack, variables=variables))
        results = []
        for src in _endpoints(network.topology, source):
            for dst in _endpoints(network.topology, destination):
                if src.cluster and dst.cluster and src.cluster != dst.cluster:
                    continue
                req = Requirement(
                    "explain",
                    "explain",
                    src.role,
                    dst.role,
                    protocol,
                    PortSet.range(int(lo), int(hi or lo)),
                    f"{protocol}/{port}",
                    True,
                    {},
                    SourceRef("(command line)"),
                    via_proxy=not direct,
                )
                results.append(evaluate_binding(network.graph, req, src, dst))
        if output_format == "json":
            typer.echo(json.dumps([r.to_json() for r in results], indent=2))
        else:
            typer.echo("\n\n".join(render(r) for r in results))
        return 0 if all(r.verdict == "reachable" for r in results) else 1

    guarded(body)
