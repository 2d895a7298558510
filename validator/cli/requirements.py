"""``palette-policy requirements``: list the requirement profiles (data in policies/profiles)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.outputs import format_option
from validator.model.errors import InputError


@app.command()
def requirements(
    profile: list[str] = typer.Option([], "--profile", "-p", help="Profile(s) to list (default: all)."),
    output_format: str = format_option(("table", "json"), "table", "Output format."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
    palette_version: str | None = typer.Option(
        None, "--palette-version", help="Only the profiles that apply to this Palette version, e.g. 4.5."
    ),
) -> None:
    """List the port paths each Palette profile requires, with their sources and the Palette versions each
    profile applies to."""

    def body() -> int:
        from validator.ingest.profiles import available_profiles, load_profiles
        from validator.model.requirements import version_in

        if palette_version is not None and not re.fullmatch(r"[0-9]+(\.[0-9]+){0,2}", palette_version):
            raise InputError(f"--palette-version {palette_version!r} is not a version such as 4.5 or 4.6.12")
        names = profile or sorted(available_profiles(profiles_dir))
        profiles = load_profiles(names, profiles_dir)
        if palette_version is not None:
            profiles = [p for p in profiles if version_in(palette_version, p.palette_versions)]
        if output_format == "json":
            typer.echo(
                json.dumps(
                    [
                        {
                            "profile": p.name,
                            "title": p.title,
                            "palette_versions": p.palette_versions or None,
                            "deployments": list(p.deployments),
                            "notes": p.notes,
                            "requirements": [r.to_json() for r in p.requirements],
                        }
                        for p in profiles
                    ],
                    indent=2,
                )
            )
            return 0
        for p in profiles:
            typer.echo(f"{p.name}: {p.title}")
            chosen = (
                f"chosen by palette_version for {', '.join(p.deployments)}"
                if p.deployments
                else "add-on: checked when listed by name"
            )
            typer.echo(f"  applies to: Palette {p.palette_versions or 'any version'}; {chosen}")
            for r in p.requirements:
                need = "required" if r.required else "optional"
                typer.echo(
                    f"  {r.id:28} {r.source:>22} -> {r.destination:<22} {r.protocol}/{str(r.ports):<11} "
                    f"{need:8} {r.purpose}"
                )
                row = f": {r.citation['row']}" if r.citation.get("row") else ""
                typer.echo(f"  {'':28} source: {r.citation['document']} {r.citation['version']}{row}")
            for note in p.notes:
                typer.echo(f"  note: {' '.join(note.split())}")
            typer.echo("")
        return 0

    guarded(body)
