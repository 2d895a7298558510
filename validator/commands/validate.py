"""``palette-policy validate PATH``: the main job."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

import typer

from ..cli import app, guarded
from ..errors import InputError
from ..pipeline import Options, run
from ..report import renderers, write

FORMATS = "table|json"


def _formats_help() -> str:
    return "Output format: " + ", ".join(sorted(renderers())) + "."


@app.command()
def validate(
    path: Path = typer.Argument(..., help="Folder (or file) with the network configs to check."),
    topology: Path | None = typer.Option(None, "--topology", "-t",
                                         help="Topology file (default: PATH/palette-network.yaml)."),
    profile: list[str] = typer.Option([], "--profile", "-p",
                                      help="Requirement profile(s) to check; overrides the topology's."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output_format: str = typer.Option("table", "--format", "-f", help=_formats_help()),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here (atomically)."),
    fail_on: str = typer.Option("deny", "--fail-on", help="Exit 1 on findings of this level or above: "
                                "deny, warn or none."),
    engine: str = typer.Option("embedded", "--engine", help="Rego engine: embedded (regorus)."),
    policy: list[Path] = typer.Option([], "--policy", help="Extra folder of Rego policies (repeatable)."),
    data: list[Path] = typer.Option([], "--data", help="Extra data file (YAML/JSON) for the policies."),
    namespace: list[str] = typer.Option([], "--namespace", help="Only report these Rego packages."),
    max_file_size: int = typer.Option(50, "--max-file-size", help="Largest config file to read, in MiB."),
) -> None:
    """Check that every Palette port path is reachable; exit 0 ok, 1 findings, 2 bad input."""

    def body() -> int:
        formats = renderers()
        if output_format not in formats:
            raise InputError(f"unknown format {output_format!r}", hint=f"use one of {', '.join(sorted(formats))}")
        if fail_on not in ("deny", "warn", "none"):
            raise InputError(f"--fail-on must be deny, warn or none, not {fail_on!r}")
        report = run(Options(path=path, topology=topology, profiles=profile or None, profiles_dirs=profiles_dir,
                             engine=engine, policy_dirs=policy, data_files=data, namespaces=namespace,
                             fail_on=fail_on, max_file_bytes=max_file_size * 1024 * 1024))
        start = time.perf_counter()
        write(formats[output_format](report), output)
        report.timings["report"] = time.perf_counter() - start
        _dump_timings(report)
        return report.exit_code

    guarded(body)


def _dump_timings(report: object) -> None:
    """For the benchmark (benchmarks/run.py): stage timings and what was loaded, as JSON, to the file
    named by PALETTE_POLICY_TIMINGS. Unset (always, for users) it does nothing."""
    target = os.environ.get("PALETTE_POLICY_TIMINGS")
    if not target:
        return
    inventory = report.inventory  # type: ignore[attr-defined]
    doc = {"timings": report.timings,  # type: ignore[attr-defined]
           "loaded": dict(Counter(f.format for f in inventory.files)),
           "skipped": dict(Counter(s.reason for s in inventory.skipped)),
           "points": len(inventory.points), "rules": sum(len(p.rules) for p in inventory.points.values()),
           "results": len(report.results)}  # type: ignore[attr-defined]
    Path(target).write_text(json.dumps(doc), encoding="utf-8")
