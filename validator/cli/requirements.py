"""``palette-policy requirements``: list the requirement profiles (data in policies/profiles)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from validator.cli import app, guarded
from validator.cli.outputs import format_option


@app.command()
def requirements(
    profile: list[str] = typer.Option([], "--profile", "-p", help="Profile(s) to list (default: all)."),
    output_format: str = format_option(("table", "json"), "table", "Output format."),
    profiles_dir: list[Path] = typer.Option([], "--profiles-dir", help="Extra folder of profile YAML files."),
) -> None:
    """List the port paths each Palette profile requires, with their sources."""

    def body() -> int:
        from validator.ingest.profiles import available_profiles, load_profiles

        names = profile or sorted(available_profiles(profiles_dir))
        profiles = load_profiles(names, profiles_dir)
        if output_format == "json":
            typer.echo(
                json.dumps(
                    [
                        {
                            "profile": p.name,
                            "title": p.title,
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
            for r in p.requirements:
                need = "required" if r.required else "optional"
                typer.echo(
                    f"  {r.id:28} {r.source:>22} -> {r.destination:<22} {r.protocol}/{str(r.ports):<11} "
                    f"{need:8} {r.purpose}"
                )
                typer.echo(f"  {'':28} source: {r.citation['document']} {r.citation['version']}")
            for note in p.notes:
                typer.echo(f"  note: {' '.join(note.split())}")
            typer.echo("")
        return 0

    guarded(body)
