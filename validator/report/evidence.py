"""The evidence bundle for auditors: report.json, a self-contained report.html and manifest.json.

The manifest records the SHA-256 of every input file under the scanned folder, of every policy and
profile, the tool, engine and Python versions, the command line, the options needed to re-run, and a UTC
timestamp (the only field that differs between two runs on the same inputs). ``verify`` re-hashes the
bundle and the inputs and lists every changed, missing or added file; with ``rerun`` it runs the
validation again and compares the verdicts and findings with the recorded report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from validator import __version__
from validator.ingest.resources import resource_dir
from validator.model.errors import InputError
from validator.model.report import Report
from validator.report import atomic_write, html, json_report


class RunOptions(Protocol):
    """What the bundle records of a run's options (the CLI's ``pipeline.Options``), to re-run it later."""

    path: Path
    topology: Path | None
    profiles: list[str] | None
    profiles_dirs: list[Path]
    policy_dirs: list[Path]
    data_files: list[Path]
    namespaces: list[str]
    fail_on: str
    waivers_file: Path | None
    use_waivers: bool
    engine: str
    variables: Any  # Terraform variable options (validator.ingest.loaders.terraform.variables.VariableOptions)
    stack: Any  # CloudFormation parameter values and region (``StackInputs``) or None


# a re-run for ``verify --rerun``: the recorded options (``manifest.json``'s "options") and the input folder
# → the report of a new run (the CLI runs the pipeline; reporters never do)
Rerun = Callable[[dict[str, Any], Path], Report]


MANIFEST = "manifest.json"
SKIP_DIRS = {".git", ".terraform", "node_modules", "__pycache__"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_tree(root: Path, exclude: Path | None = None) -> dict[str, str]:
    """relative POSIX path → sha256 for every regular file under root (symlinks are not followed)."""
    root = root.resolve()
    if root.is_file():
        return {root.name: sha256_file(root)}
    excluded = exclude.resolve() if exclude else None
    out: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and (excluded is None or here / d != excluded))
        for name in sorted(files):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            out[path.relative_to(root).as_posix()] = sha256_file(path)
    return dict(sorted(out.items()))


def _policy_path(name: str) -> Path:
    return resource_dir("policies") / name.removeprefix("policies/") if name.startswith("policies/") else Path(name)


def _options_json(options: RunOptions) -> dict[str, Any]:
    return {
        "path": str(options.path),
        "topology": str(options.topology) if options.topology else None,
        "profiles": options.profiles,
        "profiles_dirs": [str(p) for p in options.profiles_dirs],
        "policy_dirs": [str(p) for p in options.policy_dirs],
        "data_files": [str(p) for p in options.data_files],
        "namespaces": options.namespaces,
        "fail_on": options.fail_on,
        "waivers_file": str(options.waivers_file) if options.waivers_file else None,
        "use_waivers": options.use_waivers,
        "engine": options.engine,
        # Terraform: variables files and the workspace re-apply on a re-run; --var and TF_VAR_ values are not
        # recorded (they may be secret): names only, set them again in the environment to re-run
        "var_files": [v for k, v in options.variables.command_line if k == "var-file"] if options.variables else [],
        "var_names": [v.partition("=")[0] for k, v in options.variables.command_line if k == "var"]
        if options.variables
        else [],
        "workspace": options.variables.workspace if options.variables else "default",
        "cloudformation": {
            "parameters": dict(options.stack.parameters or {}) if options.stack else {},
            "region": options.stack.region if options.stack else None,
        },
    }


def manifest(
    report: Report,
    options: RunOptions,
    argv: list[str],
    outputs: dict[str, str],
    bundle_dir: Path,
    now: dt.datetime | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    root = Path(report.root)
    files = hash_tree(root, exclude=bundle_dir)
    extra: dict[str, str] = {}
    for label, path in (
        ("topology", options.topology),
        ("waivers", options.waivers_file),
        ("config", Path(config) if config else None),
    ):
        if path is not None and not _inside(path, root):
            extra[label] = str(path)
    # Terraform files read from outside the scanned folder: --var-file files and module sources
    for kind, var_file in options.variables.command_line if options.variables else ():
        if kind == "var-file":
            extra[f"var-file {var_file}"] = var_file
    for loaded in report.inventory.files:
        if loaded.path.startswith("../") and loaded.format == "terraform":
            extra[f"module-source {loaded.path}"] = str(root / loaded.path)
    return {
        "schema_version": 1,
        "created_utc": (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command_line": argv,
        "tool": {"name": "palette-policy", "version": __version__},
        "engine": report.engine,
        "python": platform.python_version(),
        "inputs": {
            "root": report.root,
            "root_absolute": str(root.resolve()),
            "files": [{"path": p, "sha256": h} for p, h in files.items()],
            "outside_root": [{"role": k, "path": v, "sha256": sha256_file(Path(v))} for k, v in extra.items()],
            **({"terraform_variables": report.inventory.variables} if report.inventory.variables else {}),
        },
        "policies": {
            "bundle_sha256": report.policy_digest,
            "files": [{"path": name, "sha256": sha256_file(_policy_path(name))} for name in report.policy_files],
        },
        "profiles": [
            {"name": p.name, "path": _display(p.path), "sha256": sha256_file(p.path)} for p in report.profiles
        ],
        "options": _options_json(options),
        "summary": json_report.to_json(report)["summary"],
        "outputs": [{"path": name, "sha256": digest} for name, digest in outputs.items()],
    }


def _display(path: Path) -> str:
    shipped = resource_dir("policies")
    try:
        return "policies/" + path.resolve().relative_to(shipped.resolve()).as_posix()
    except ValueError:
        return str(path)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


def write_bundle(
    report: Report,
    options: RunOptions,
    directory: Path,
    argv: list[str],
    now: dt.datetime | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    texts = {"report.json": json_report.render(report) + "\n", "report.html": html.render(report) + "\n"}
    outputs = {}
    for name, text in texts.items():
        atomic_write(directory / name, text)
        outputs[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc = manifest(report, options, argv, outputs, directory, now, config)
    atomic_write(directory / MANIFEST, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return doc


@dataclass
class Verification:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # differences found by --rerun

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.verdicts)

    def lines(self) -> list[str]:
        return (
            [f"changed: {p}" for p in self.changed]
            + [f"missing: {p}" for p in self.missing]
            + [f"added: {p}" for p in self.added]
            + [f"verdict: {v}" for v in self.verdicts]
        )


def _compare(expected: dict[str, str], actual: dict[str, str], label: str, out: Verification) -> None:
    for path, digest in expected.items():
        if path not in actual:
            out.missing.append(f"{label}{path}")
        elif actual[path] != digest:
            out.changed.append(f"{label}{path}")
    out.added.extend(f"{label}{p}" for p in actual if p not in expected)


def load_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no {MANIFEST} in {directory}", hint="pass the folder given to validate --evidence") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno, column=exc.colno) from None
    if not isinstance(doc, dict) or doc.get("schema_version") != 1 or "inputs" not in doc:
        raise InputError("not a palette-policy evidence manifest", file=str(path))
    return doc


def verify(directory: Path, inputs: Path | None = None, rerun: Rerun | None = None) -> Verification:
    """Re-hash the bundle, the inputs, the policies and the profiles; with ``rerun`` also compare the verdicts
    and findings of a new run with the recorded report."""
    doc = load_manifest(directory)
    out = Verification()
    bundle = {p.name: sha256_file(p) for p in sorted(directory.iterdir()) if p.is_file() and p.name != MANIFEST}
    _compare({o["path"]: o["sha256"] for o in doc["outputs"]}, bundle, "bundle: ", out)
    root = inputs or Path(doc["inputs"]["root"])
    if inputs is None and not root.exists() and doc["inputs"].get("root_absolute"):
        root = Path(doc["inputs"]["root_absolute"])
    if not root.exists():
        raise InputError(f"input folder {root} does not exist", hint="pass --inputs PATH")
    recorded = {f["path"]: f["sha256"] for f in doc["inputs"]["files"]}
    _compare(recorded, hash_tree(root, exclude=directory), "input: ", out)
    for item in doc["inputs"].get("outside_root", []):
        _compare({item["path"]: item["sha256"]}, _hash_if(Path(item["path"])), f"{item['role']}: ", out)
    for item in doc["policies"]["files"]:
        _compare({item["path"]: item["sha256"]}, _hash_if(_policy_path(item["path"]), item["path"]), "policy: ", out)
    for item in doc["profiles"]:
        _compare({item["path"]: item["sha256"]}, _hash_if(_policy_path(item["path"]), item["path"]), "profile: ", out)
    if rerun:
        out.verdicts.extend(_compare_rerun(rerun(doc["options"], root), directory))
    return out


def _hash_if(path: Path, name: str | None = None) -> dict[str, str]:
    return {name or str(path): sha256_file(path)} if path.is_file() else {}


def _key(result: dict[str, Any]) -> str:
    return f"{result['requirement']} {result['source']} -> {result['destination']}"


def _compare_rerun(report: Report, directory: Path) -> list[str]:
    try:
        recorded = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return ["report.json is missing or unreadable; cannot compare verdicts"]
    before = {_key(r): r["verdict"] for r in recorded.get("results", [])}
    after = {_key(r): r["verdict"] for r in json_report.to_json(report)["results"]}
    out = [
        f"{k}: recorded {before.get(k, 'absent')}, now {after.get(k, 'absent')}"
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]

    def findings(items: list[dict[str, Any]]) -> list[str]:
        return sorted(
            f"{f['kind']} {f['id']} {f.get('requirement') or ''}{' (waived)' if f.get('waived') else ''}" for f in items
        )

    old, new = findings(recorded.get("findings", [])), findings(json_report.to_json(report)["findings"])
    out += [f"finding no longer produced: {f}" for f in old if f not in new]
    out += [f"new finding: {f}" for f in new if f not in old]
    if recorded.get("summary", {}).get("exit_code") != report.exit_code:
        out.append(f"exit code: recorded {recorded.get('summary', {}).get('exit_code')}, now {report.exit_code}")
    return out
