"""``palette-policy input PATH``: the exact document the policies see (schema: schemas/input.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.options import VAR, VAR_FILE, WORKSPACE, variable_options


@app.command("input")
def input_command(
    path: Path = typer.Argument(..., help="Folder with the network configs (as for validate)."),
    topology: Path | None = typer.Option(None, "--topology", "-t", help="Topology file."),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Requirement profile(s)."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write it here (atomically)."),
    var_file: list[Path] = VAR_FILE,
    var: list[str] = VAR,
    workspace: str = WORKSPACE,
) -> None:
    """Print the input document your Rego policies receive, to write and test policies against it."""

    def body() -> int:
        from validator.analysis.proxy_facts import proxy_facts
        from validator.analysis.reach import evaluate_requirements
        from validator.cli.pipeline import Options, load_network
        from validator.ingest.profiles import load_profiles, profiles_for
        from validator.policy.input_doc import build_input
        from validator.report import write

        options = Options(
            path=path,
            topology=topology,
            profiles=profile or None,
            profiles_dirs=profiles_dir,
            variables=variable_options(var_file, var, workspace),
        )
        network = load_network(options)
        names = profiles_for(network.topology, options.profiles, options.profiles_dirs)
        profiles = load_profiles(names, options.profiles_dirs)
        requirements = [r for p in profiles for r in p.requirements]
        results, unbound = evaluate_requirements(network.graph, requirements)
        doc = build_input(
            results,
            unbound,
            network.inventory,
            network.topology,
            requirements,
            proxy_facts(network.inventory, network.topology),
            profiles=names,
        )
        write(json.dumps(doc, indent=2, ensure_ascii=False), output)
        return 0

    guarded(body)
