"""Find the files of a scanned folder and say, for each, how it will be read — or why not.

Nothing is silent: every file below the root is a candidate for a loader, skipped with a reason that the
report lists, or ignored by an explicit rule (``.git``, ``.terraform``, ``node_modules``, evidence bundles and
the patterns of ``.palette-policy-ignore``, read with gitignore's rules). Folder links are not followed, so a
link loop cannot hang the scan; a link to a file is read only when it stays inside the repository (or an
``--allow-outside`` folder), and pipes, sockets and devices are skipped before any parser sees them. Files
are read by ``reader``.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.reader import current_scope, is_inside, read_bytes, read_text
from validator.model.errors import InputError
from validator.model.inventory import SkippedFile

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = ["Discovery", "discover", "is_evidence_bundle", "read_text"]

DEFAULT_IGNORES = (".git", ".terraform", "node_modules", ".venv", "__pycache__", ".palette-policy-evidence")
BUNDLE_TEMP_PREFIX = ".palette-policy-evidence-"  # evidence bundles being written (report/evidence.py)
IGNORE_FILE = ".palette-policy-ignore"
TOPOLOGY_NAMES = ("palette-network.yaml", "palette-network.yml")
CONFIG_NAMES = (".palette-policy.yaml", ".palette-policy-waivers.yaml", IGNORE_FILE)
DOCUMENT_SUFFIXES = (".json", ".yaml", ".yml")
SQUID_NAMES = ("squid.conf",)


@dataclass
class Discovery:
    root: Path
    terraform_dirs: list[Path] = field(default_factory=list)
    # per Terraform folder, the files its root module reads: .tf, .tf.json, auto-loaded variables files
    terraform_files: dict[Path, list[Path]] = field(default_factory=dict)
    documents: list[Path] = field(default_factory=list)
    squid: list[Path] = field(default_factory=list)
    topology: Path | None = None
    skipped: list[SkippedFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def display(self, path: Path) -> str:
        """Paths in reports are relative to the scanned folder, with forward slashes."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


def _ignore_globs(root: Path) -> list[str]:
    path = root / IGNORE_FILE
    if not os.path.lexists(path):
        return []
    return [
        ln.strip()
        for ln in read_text(path, IGNORE_FILE, root=root).splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]


def is_evidence_bundle(folder: Path) -> bool:
    """A folder written by ``validate --evidence``: its manifest.json names palette-policy as the tool."""
    manifest = folder / "manifest.json"
    try:
        if not stat.S_ISREG(os.lstat(manifest).st_mode):
            return False
        doc = json.loads(read_bytes(manifest, str(manifest), max_bytes=64 * 1048576, record=False))
    except (OSError, InputError, ValueError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("tool"), dict) and doc["tool"].get("name") == "palette-policy"


def ignore_spec(patterns: list[str]) -> GitIgnoreSpec | None:
    """The ignore file's patterns with gitignore's rules: ``!`` re-includes, a leading or inner ``/``
    anchors to the scanned folder, a trailing ``/`` matches folders only, ``**`` spans folders, and a
    file inside an ignored folder cannot be re-included (the folder is never entered). None without
    patterns (pathspec is imported only for a repository that has some)."""
    if not patterns:
        return None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(patterns)


def _ignored(rel: str, spec: GitIgnoreSpec | None, folder: bool = False) -> bool:
    return spec is not None and bool(spec.match_file(rel + "/" if folder else rel))


def discover(root: Path, limits: Limits = DEFAULT_LIMITS) -> Discovery:
    """Walk ``root`` (a folder, or a single file) and sort files by how they will be read."""
    max_bytes = limits.max_file_bytes
    if not root.exists():
        raise InputError(f"{root} does not exist", hint="pass the folder that holds your network configs")
    if root.is_file():
        found = Discovery(root.parent)
        if root.name.endswith((".tf", ".tf.json")):
            _check_readable(root, found.display(root), max_bytes)
            found.terraform_dirs = [root.parent]
            found.terraform_files[root.parent] = [root]
            return found
        _classify(found, root, max_bytes)
        return found
    found = Discovery(root)
    spec = ignore_spec(_ignore_globs(root))
    real_root = os.path.realpath(root)
    tf_dirs: set[Path] = set()
    tfvars: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=_walk_error):
        base = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            rel = found.display(base / d)
            if d in DEFAULT_IGNORES or d.startswith(BUNDLE_TEMP_PREFIX) or _ignored(rel, spec, folder=True):
                found.ignored.append(rel + "/")
            elif (base / d).is_symlink():
                found.skipped.append(SkippedFile(rel + "/", "symbolic link to a folder (not followed)"))
            elif is_evidence_bundle(base / d):
                found.ignored.append(rel + "/")  # an evidence bundle is output, never input
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            path = base / name
            rel = found.display(path)
            if _ignored(rel, spec):
                found.ignored.append(rel)
                continue
            refused = _refused(path, real_root)
            if refused:
                found.skipped.append(SkippedFile(rel, refused))
                continue
            if name.endswith((".tf", ".tf.json")):
                _check_readable(path, rel, max_bytes)
                tf_dirs.add(base)
                found.terraform_files.setdefault(base, []).append(path)
                continue
            if name.endswith((".tfvars", ".tfvars.json")):
                tfvars.append(path)
                continue
            _classify(found, path, max_bytes)
    _variables_files(found, tfvars, tf_dirs, max_bytes)
    found.terraform_dirs = sorted(tf_dirs, key=lambda p: (len(p.parts), str(p)))
    return found


def _refused(path: Path, real_root: str) -> str | None:
    """Why a file is not read at all (no parser ever sees it), or None for a regular file we may read."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            real = os.path.realpath(path)
            if not (is_inside(real, real_root) or current_scope().permits(real)):
                return "symbolic link leading outside the repository (not read; see --allow-outside)"
            mode = os.stat(path).st_mode
    except OSError:
        return "broken symbolic link (or a link loop)"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, socket or device)"
    return None


def _variables_files(found: Discovery, paths: list[Path], tf_dirs: set[Path], max_bytes: int) -> None:
    """Variables files Terraform loads by itself belong to their folder's root module (T1); others are
    listed as skipped, with how to apply them."""
    for path in paths:
        rel = found.display(path)
        name = path.name
        auto = name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith(
            (".auto.tfvars", ".auto.tfvars.json")
        )
        if auto and path.parent in tf_dirs:
            _check_readable(path, rel, max_bytes)
            found.terraform_files[path.parent].append(path)
        elif auto:
            found.skipped.append(SkippedFile(rel, "Terraform variables file in a folder without .tf files"))
        else:
            found.skipped.append(
                SkippedFile(rel, "Terraform variables file that Terraform reads only when named (use --var-file)")
            )


def _walk_error(exc: OSError) -> None:
    raise InputError(f"cannot read folder: {exc.strerror}", file=exc.filename)


def _check_readable(path: Path, rel: str, max_bytes: int) -> None:
    """Fail early on a file too big to read (the reader checks again on the open descriptor)."""
    try:
        size = path.stat().st_size
        if not os.access(path, os.R_OK):
            raise PermissionError
    except PermissionError:
        raise InputError(
            "cannot read file: permission denied",
            file=rel,
            hint="fix its permissions or add it to .palette-policy-ignore",
        ) from None
    if size > max_bytes:
        raise InputError(
            f"file is {size / 1048576:.0f} MiB, over the {max_bytes / 1048576:.0f} MiB limit",
            file=rel,
            hint="raise --max-file-size or add it to .palette-policy-ignore",
        )


def _classify(found: Discovery, path: Path, max_bytes: int) -> None:
    rel = found.display(path)
    name = path.name
    if name in TOPOLOGY_NAMES and path.parent == found.root:
        found.topology = path
    elif name in CONFIG_NAMES:
        return
    elif name.endswith(DOCUMENT_SUFFIXES):
        _check_readable(path, rel, max_bytes)
        found.documents.append(path)
    elif name in SQUID_NAMES or name.endswith(".conf"):
        _check_readable(path, rel, max_bytes)
        found.squid.append(path)
    else:
        found.skipped.append(SkippedFile(rel, "not a network configuration format palette-policy reads"))
