"""``palette-policy export PATH``: the required flows as live probes to run where they start."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.model.errors import InputError

FORMATS = ("network-validator", "script")


@app.command()
def export(
    path: Path = typer.Argument(..., help="Folder with the network configs and its palette-network.yaml."),
    output_format: str = typer.Option(
        "network-validator",
        "--format",
        "-f",
        help="network-validator (NetworkValidator resources of validator-plugin-network, multi-document YAML) "
        "or script (a POSIX shell script printing PASS/FAIL per requirement).",
    ),
    only: str | None = typer.Option(
        None, "--only", help="not-proven: only the flows the static check did not prove reachable."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here (atomically)."),
    topology: Path | None = typer.Option(
        None, "--topology", "-t", help="Topology file (default: PATH/palette-network.yaml)."
    ),
    profile: list[str] = typer.Option([], "--profile", "-p", help="Requirement profile(s); overrides the topology's."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
) -> None:
    """Write probes for every required flow, per place it starts (each workload and Edge cluster, the
    self-hosted management cluster, each PCG), to confirm live what validate checks statically."""

    def body() -> int:
        from validator.analysis.probes import plan_probes
        from validator.cli.pipeline import NO_TOPOLOGY_HINT, Options, run
        from validator.report import write

        if output_format not in FORMATS:
            raise InputError(f"unknown format {output_format!r}", hint=f"use one of {', '.join(FORMATS)}")
        if only not in (None, "not-proven"):
            raise InputError(f"--only {only!r}: the only choice is not-proven")
        report = run(Options(path=path, topology=topology, profiles=profile or None, profiles_dirs=profiles_dir))
        if report.topology is None:
            raise InputError(
                f"no palette-network.yaml in {path}: probes start where the topology says", hint=NO_TOPOLOGY_HINT
            )
        plan = plan_probes(report.results, report.topology, only_not_proven=only == "not-proven")
        if output_format == "script":
            from validator.report.probe_script import render
        else:
            from validator.report.network_validator import render
        write(render(plan, str(path)), output)
        count = sum(len(loc.probes) for loc in plan.locations)
        print(f"{count} probe(s) in {len(plan.locations)} location(s)", file=sys.stderr)
        return 0

    guarded(body)
