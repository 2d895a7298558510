"""The evidence bundle for auditors: report.json, a self-contained report.html and manifest.json.

The manifest records the SHA-256 of every file under the scanned folder (a symbolic link by its target),
of every file the run read outside it (topology, waivers, config, data, module sources and includes allowed
with ``--allow-outside``: the digest of the bytes that were read), of every policy and profile, the tool,
engine and Python versions, the command line, the options needed to re-run, a UTC timestamp (the only
field that differs between two runs on the same inputs) and, written last, ``bundle_sha256``: a digest of
the manifest itself, which covers the summary, the metadata and the outputs' digests.

The bundle is built in a temporary folder next to the target and put in place in one step (an atomic
exchange where the system has one), so a crash or two concurrent runs never leave a bundle that mixes runs.
A target that is not empty and is not a previous bundle is refused. ``evidence_verify`` checks a bundle.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from validator import __version__
from validator.ingest.discover import BUNDLE_TEMP_PREFIX, is_evidence_bundle
from validator.ingest.reader import is_inside
from validator.ingest.resources import resource_dir
from validator.model.errors import InputError
from validator.model.report import Report
from validator.report import _umask, html, json_report


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
    allow_outside: list[Path]
    keep_going: bool


# a re-run for ``verify --rerun``: the recorded options (``manifest.json``'s "options") and the input folder
# → the report of a new run (the CLI runs the pipeline; reporters never do)
Rerun = Callable[[dict[str, Any], Path], Report]


MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.minisig"
BUNDLE_FILES = ("report.json", "report.html", MANIFEST, SIGNATURE)
SKIP_DIRS = {".git", ".terraform", "node_modules", "__pycache__"}


def sha256_file(path: Path) -> str:
    """The digest of a regular file, streamed; opened without blocking and checked on the descriptor, so
    a FIFO or a device put in the place of an input is an error, not a hang."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("cannot read file: not a regular file (a pipe, socket or device)", file=str(path))
        os.set_blocking(fd, True)
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _link_digest(path: Path) -> str:
    """A symbolic link is recorded by its target's text: pointing it elsewhere is a change."""
    return hashlib.sha256(b"symlink\0" + os.fsencode(os.readlink(path))).hexdigest()


def hash_tree(root: Path, exclude: tuple[Path, ...] | Path | None = None) -> dict[str, str]:
    """relative POSIX path → sha256 for every regular file and symbolic link under root (links by target).

    Folders the scan ignores as output (``exclude``, evidence bundles and bundles being written) are left out."""
    root = root.resolve()
    if root.is_file():
        return {root.name: sha256_file(root)}
    excluded = {p.resolve() for p in ((exclude,) if isinstance(exclude, Path) else exclude or ())}
    out: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and here / d not in excluded
            and not d.startswith(BUNDLE_TEMP_PREFIX)
            and ((here / d).is_symlink() or not is_evidence_bundle(here / d))
        )
        for name in sorted([*files, *(d for d in dirs if (here / d).is_symlink())]):
            path = here / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = _link_digest(path)
            elif path.is_file():
                out[rel] = sha256_file(path)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    return dict(sorted(out.items()))


def bundle_digest(doc: dict[str, Any]) -> str:
    """The manifest's own digest: canonical JSON of everything but ``bundle_sha256``."""
    body = {k: v for k, v in doc.items() if k != "bundle_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        "allow_outside": [str(p) for p in options.allow_outside],
        "keep_going": options.keep_going,
    }


def manifest(
    report: Report,
    options: RunOptions,
    argv: list[str],
    outputs: dict[str, str],
    bundle_dir: Path | tuple[Path, ...],
    now: dt.datetime | None = None,
    config: str | None = None,
) -> dict[str, Any]:
    root = Path(report.root)
    files = hash_tree(root, exclude=bundle_dir)
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
            "outside_root": _outside(report, options, root, config),
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


def _outside(report: Report, options: RunOptions, root: Path, config: str | None) -> list[dict[str, str]]:
    """Every file the run read outside the scanned folder, with the digest of the bytes read; the topology,
    waivers, config and Terraform variables files by their role, the rest (module sources, includes, data)
    as ``read``. Shipped policies and profiles are in
    ``policies`` and ``profiles``."""
    base, shipped = os.path.realpath(root), os.path.realpath(resource_dir("policies"))
    named = [("topology", options.topology), ("waivers", options.waivers_file), ("config", config)]
    if options.variables:
        named += [("var-file", v) for k, v in options.variables.command_line if k == "var-file"]
    roles = {os.path.realpath(path): label for label, path in named if path is not None}
    out: dict[str, dict[str, str]] = {}
    for item in report.inputs_read:
        real = item["real"]
        if is_inside(real, base) or is_inside(real, shipped):
            continue
        role = roles.get(real, "read")
        out[real] = {"role": role, "path": real, "sha256": item["sha256"]}
    for real, role in roles.items():  # named but not read through the reader (e.g. an empty waivers run)
        if real not in out and not is_inside(real, base) and os.path.isfile(real):
            out[real] = {"role": role, "path": real, "sha256": sha256_file(Path(real))}
    return sorted(out.values(), key=lambda e: (e["role"], e["path"]))


def write_bundle(
    report: Report,
    options: RunOptions,
    directory: Path,
    argv: list[str],
    now: dt.datetime | None = None,
    config: str | None = None,
    sign: Path | None = None,
) -> dict[str, Any]:
    """Build the bundle next to ``directory`` and put it in place in one step; ``sign``: a minisign secret
    key to sign the manifest with (``signing.py``)."""
    directory = Path(os.path.abspath(directory))
    check_target(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{BUNDLE_TEMP_PREFIX}{directory.name}-", dir=directory.parent))
    try:
        os.chmod(work, 0o777 & ~_umask())
        texts = {"report.json": json_report.render(report) + "\n", "report.html": html.render(report) + "\n"}
        outputs = {}
        for name, text in texts.items():
            _write(work / name, text)
            outputs[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        doc = manifest(report, options, argv, outputs, (directory, work), now, config)
        doc["bundle_sha256"] = bundle_digest(doc)
        _write(work / MANIFEST, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")  # last
        if sign is not None:
            from validator.report.signing import sign_manifest

            sign_manifest(work / MANIFEST, work / SIGNATURE, sign)
        _put_in_place(work, directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return doc


def _write(path: Path, text: str) -> None:
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o666 & ~_umask())


def check_target(directory: Path) -> None:
    """The target may be absent, empty, or a previous bundle (only bundle files in it); nothing else."""
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        raise InputError("--evidence must name a folder", file=str(directory), hint="name a new or empty folder")
    names = sorted(os.listdir(directory))
    if names and not (is_evidence_bundle(directory) and set(names) <= set(BUNDLE_FILES)):
        raise InputError(
            f"--evidence folder is not empty and holds no evidence bundle ({', '.join(names[:3])}"
            f"{', …' if len(names) > 3 else ''}); refusing to replace it",
            file=str(directory),
            hint="name a new or empty folder, or the folder of a previous bundle",
        )


_RENAME_EXCHANGE = 2


def _put_in_place(work: Path, directory: Path) -> None:
    """Make ``work`` the bundle at ``directory`` in one step; the previous bundle, if any, ends up in ``work``."""
    try:
        os.rename(work, directory)  # no bundle there yet (or an empty folder)
        return
    except OSError:
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    exchange = getattr(libc, "renameat2", None)
    if exchange is not None and exchange(-100, os.fsencode(work), -100, os.fsencode(directory), _RENAME_EXCHANGE) == 0:
        return  # AT_FDCWD = -100: the old bundle and the new one swapped atomically
    old = directory.with_name(f"{BUNDLE_TEMP_PREFIX}{directory.name}-old-{os.getpid()}")
    try:  # no exchange on this system: two renames (the folder is briefly absent, never mixed)
        os.rename(directory, old)
        os.rename(work, directory)
    except OSError as exc:
        raise InputError(f"cannot put the evidence bundle in place: {exc.strerror}", file=str(directory)) from None
    shutil.rmtree(old, ignore_errors=True)
