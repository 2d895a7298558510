"""``palette-policy input PATH``: the exact document the policies see (schema: schemas/input.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from validator.cli import app, guarded


@app.command("input")
def input_command(
    path: Path = typer.Argument(..., help="Folder with the network configs (as for validate)."),
    topology: Path | None = typer.Option(None, "--topology", "-t", help="Topology file."),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Requirement profile(s)."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write it here (atomically)."),
) -> None:
    """Print the input document your Rego policies receive, to write and test policies against it."""

    def body() -> int:
        from validator.analysis.coverage import coverage
        from validator.analysis.proxy_facts import proxy_facts
        from validator.analysis.reach import evaluate_requirements
        from validator.cli.pipeline import Options, load_network
        from validator.ingest.profiles import load_profiles
        from validator.policy.input_doc import build_input
        from validator.report import write

        options = Options(path=path, topology=topology, profiles=profile or None, profiles_dirs=profiles_dir)
        network = load_network(options)
        profiles = load_profiles(options.profiles or network.topology.profiles, options.profiles_dirs)
        requirements = [r for p in profiles for r in p.requirements]
        results, unbound = evaluate_requirements(network.graph, requirements)
        doc = build_input(
            results,
            unbound,
            network.inventory,
            network.topology,
            requirements,
            proxy_facts(network.inventory, network.topology),
            coverage=coverage(network.graph),
        )
        write(json.dumps(doc, indent=2, ensure_ascii=False), output)
        return 0

    guarded(body)
