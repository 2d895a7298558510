"""``palette-policy validate PATH``: the main job."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from validator.cli import app, guarded
from validator.cli.stack_options import PARAMETER, PARAMETER_FILE, REGION, stack_inputs
from validator.ingest.config import discover_config
from validator.ingest.limits import Limits
from validator.model.errors import InputError
from validator.report import FORMATS, renderers, write

if TYPE_CHECKING:
    from validator.model.report import Report

ROOT_AWARE = ("sarif", "github")  # formats whose paths are made repository-relative


def _formats_help() -> str:
    return "Output format: " + ", ".join(sorted(FORMATS)) + "."


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr naming the stage; only for people at a terminal, never in machine formats."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("palette-policy: starting", spinner="dots") as status:
        yield lambda stage: status.update(f"palette-policy: {stage}")


@app.command()
def validate(
    path: Path = typer.Argument(..., help="Folder (or file) with the network configs to check."),
    topology: Path | None = typer.Option(
        None, "--topology", "-t", help="Topology file (default: PATH/palette-network.yaml)."
    ),
    profile: list[str] = typer.Option(
        [], "--profile", "-p", help="Requirement profile(s) to check; overrides the topology's."
    ),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    output_format: str | None = typer.Option(None, "--format", "-f", help=_formats_help() + " Default: table."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here (atomically)."),
    fail_on: str | None = typer.Option(
        None, "--fail-on", help="Exit 1 on findings of this level or above: deny, warn or none (default deny)."
    ),
    engine: str = typer.Option(
        "embedded",
        "--engine",
        help="Rego engine: embedded (regorus, default), regopy (optional extra), or opa with --opa-url.",
    ),
    opa_url: str | None = typer.Option(
        None, "--opa-url", help="Evaluate on this OPA server instead (modules and data are uploaded to it)."
    ),
    opa_token: str | None = typer.Option(None, "--opa-token", help="Bearer token for --opa-url."),
    policy_timeout: float | None = typer.Option(
        None, "--policy-timeout", help="Seconds one policy evaluation may take."
    ),
    policy: list[Path] = typer.Option([], "--policy", help="Extra folder of Rego policies (repeatable)."),
    data: list[Path] = typer.Option([], "--data", help="Extra data file (YAML/JSON) for the policies."),
    namespace: list[str] = typer.Option([], "--namespace", help="Only report these Rego packages."),
    max_file_size: int | None = typer.Option(
        None, "--max-file-size", help="Largest config file to read, in MiB (default 50)."
    ),
    max_yaml_nodes: int = typer.Option(
        2_000_000, "--max-yaml-nodes", help="Most YAML/JSON nodes per file after alias expansion."
    ),
    max_depth: int = typer.Option(200, "--max-depth", help="Deepest YAML/JSON nesting accepted."),
    strict: bool = typer.Option(False, "--strict", help="Treat files that would be skipped as errors."),
    waivers: Path | None = typer.Option(
        None, "--waivers", help="Waivers file (default: PATH/.palette-policy-waivers.yaml when present)."
    ),
    no_waivers: bool = typer.Option(False, "--no-waivers", help="Ignore every waiver."),
    evidence: Path | None = typer.Option(
        None,
        "--evidence",
        help="Also write an evidence bundle (report.json, report.html, manifest.json) to this folder.",
    ),
    sarif_root: Path | None = typer.Option(
        None,
        "--sarif-root",
        help="SARIF/GitHub paths are relative to this folder (default: the git top-level above PATH, else the cwd).",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        help="Defaults file (default: .palette-policy.yaml or "
        "[tool.palette-policy] in pyproject.toml, from PATH up to the repo root).",
    ),
    parameter: list[str] = PARAMETER,
    parameter_file: list[Path] = PARAMETER_FILE,
    region: str | None = REGION,
) -> None:
    """Check that every Palette port path is reachable; exit 0 ok, 1 findings, 2 bad input."""

    def body() -> int:
        from validator.cli.pipeline import Options, run  # lazily: the CLI starts fast whatever the command

        cfg = discover_config(path, config)
        formats = renderers()
        fmt = output_format or cfg.get("format", "table")
        if fmt not in formats:
            raise InputError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(sorted(formats))}")
        level = fail_on or cfg.get("fail_on", "deny")
        if level not in ("deny", "warn", "none"):
            raise InputError(f"--fail-on must be deny, warn or none, not {level!r}")
        size = max_file_size or cfg.get("max_file_size", 50)
        interactive = fmt == "table" and output is None and sys.stderr.isatty()
        options = Options(
            path=path,
            topology=topology,
            profiles=profile or cfg.get("profile"),
            profiles_dirs=profiles_dir or cfg.get("profiles_dirs", []),
            engine=engine,
            policy_dirs=policy or cfg.get("policy_dirs", []),
            data_files=data or cfg.get("data_files", []),
            namespaces=namespace or cfg.get("namespaces", []),
            fail_on=level,
            engine_options={"opa_url": opa_url, "opa_token": opa_token, "timeout": policy_timeout},
            strict=strict,
            limits=Limits(size * 1024 * 1024, max_yaml_nodes, max_depth),
            waivers_file=None if no_waivers else (waivers or cfg.get("waivers")),
            use_waivers=not no_waivers,
            stack=stack_inputs(parameter, parameter_file, region),
        )
        with _progress(interactive) as tell:
            options.progress = tell
            report = run(options)
            options.progress = None
        render: Callable[..., str] = formats[fmt]
        root = sarif_root or cfg.get("sarif_root")
        if fmt in ROOT_AWARE and root is not None:
            render = partial(render, root=root)
        if evidence is not None:
            from validator.report.evidence import write_bundle

            write_bundle(report, options, evidence, ["palette-policy", *sys.argv[1:]], config=cfg.file)
        start = time.perf_counter()
        write(render(report), output)
        report.timings["report"] = time.perf_counter() - start
        _dump_timings(report)
        return report.exit_code

    guarded(body)


def _dump_timings(report: Report) -> None:
    """For the benchmark (benchmarks/run.py): stage timings and what was loaded, as JSON, to the file
    named by PALETTE_POLICY_TIMINGS. Unset (always, for users) it does nothing."""
    target = os.environ.get("PALETTE_POLICY_TIMINGS")
    if not target:
        return
    inventory = report.inventory
    doc = {
        "timings": report.timings,
        "loaded": dict(Counter(f.format for f in inventory.files)),
        "skipped": dict(Counter(s.reason for s in inventory.skipped)),
        "points": len(inventory.points),
        "rules": sum(len(p.rules) for p in inventory.points.values()),
        "results": len(report.results),
    }
    Path(target).write_text(json.dumps(doc), encoding="utf-8")
