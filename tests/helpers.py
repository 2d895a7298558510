"""Shared helpers: run the CLI in-process, build small networks on disk, read verdicts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from validator.cli import app, register
from validator.cli.pipeline import Options, run

register()  # every command on ``app``

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return result


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


PROFILE_TEMPLATE = """
profile: {name}
title: test profile
requirements:
{rows}
"""


def profile(root: Path, name: str, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A profile with rows (id, source, destination, protocol, ports), all required."""
    text = "".join(
        f"  - {{id: {i}, source: {s}, destination: {d}, protocol: {p}, ports: '{ports}', purpose: test, "
        f"required: true, citation: {{document: test, version: '1'}}}}\n"
        for i, s, d, p, ports in rows
    )
    directory = root / "_profiles"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(PROFILE_TEMPLATE.format(name=name, rows=text), encoding="utf-8")
    return directory


def verdicts(network: Path, profile_dir: Path | None = None, profile_name: str | None = None) -> dict[str, str]:
    report = run(
        Options(
            path=network,
            profiles=[profile_name] if profile_name else None,
            profiles_dirs=[profile_dir] if profile_dir else [],
        )
    )
    return {f"{r.requirement.id}:{r.source.name}->{r.destination.name}": r.verdict for r in report.results}


def json_report(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli("validate", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def default_decided(evaluation: Any) -> bool:
    """Whether some part of an ``ordered.evaluate`` request matched no rule (the default decided it)."""
    return any(d.rule is None for d in evaluation.decided)


def sources_fully(evaluation: Any, action: str) -> Any:
    """The sources for which the whole destination × port part of the request got ``action``."""
    from validator.model.sets import AddressSet

    bad = AddressSet()
    for d in evaluation.decided:
        if d.action != action:
            bad = bad | d.box.src
    return evaluation.request.src - bad


def schema_validator(name: str) -> Any:
    """A validator for one of the project's schemas, with the others resolvable by their $id (they refer to
    each other, e.g. input.schema.json to report.schema.json)."""
    import jsonschema
    from referencing import Registry, Resource

    schemas = {p.name: json.loads(p.read_text()) for p in (ROOT / "schemas").glob("*.json")}
    registry = Registry().with_resources(
        [(d["$id"], Resource.from_contents(d)) for d in schemas.values() if "$id" in d]
    )
    return jsonschema.Draft202012Validator(schemas[name], registry=registry)


TERRAFORM_CORPUS = ROOT / "tests" / "corpus" / "terraform"


def terraform_case_src(case: str, expected: dict[str, Any]) -> Path:
    """A Terraform corpus case's copied files: its own ``src/``, or the repository copy it shares (``repo:``)."""
    return TERRAFORM_CORPUS / expected["repo"] if "repo" in expected else TERRAFORM_CORPUS / case / "src"


def go_build(src: Path, out: Path) -> Path:
    """The Go program in ``src`` (an oracle: Go's own library on the same inputs), built offline into ``out``."""
    env = {
        **os.environ,
        "GOCACHE": str(out / "cache"),
        "GOPATH": str(out / "gopath"),
        "GOFLAGS": "-mod=mod",
        "CGO_ENABLED": "0",
        "GOPROXY": "off",
    }
    go = shutil.which("go")
    assert go is not None, "go is not installed"
    subprocess.run(
        [go, "build", "-o", str(out / "oracle"), "."], cwd=src, env=env, check=True, capture_output=True, timeout=300
    )
    return out / "oracle"
