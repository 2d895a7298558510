"""The parse cache: an evaluated Terraform root (and a parsed YAML/JSON file) is read back instead of
evaluated again when nothing it depends on changed.

Content-addressed: an entry's key is the digest of every input of ``load_root`` — the bytes of every file
the root read (its own files, module sources, variables files, ``.terraform/modules/modules.json``), the
``.tf`` listing of every module folder it used or looked for (a module folder created or emptied changes
the key), the options that change evaluation (variables, ``TF_VAR_*``, workspace, limits) and the
fingerprint of this program (its version and the size and time of every one of its source files, the
Python version). Which files a root reads is known only after reading it: a record per root (``roots/``)
lists them, and the next run hashes them again to find the entry. If anything the root read changes, the
key changes; a missing or corrupt entry is a miss.

Safe to share between concurrent runs and to kill: entries and records are written to a temporary file and
renamed into place (readers see a whole file or none), and an entry is checked with an HMAC (a key of 32
random bytes in the cache folder, ``0600``) before it is unpickled; one that fails is ignored and written
again. The folder is created ``0700``; one that another user owns or others can read is not used. A file
changed while a root was read (modified less than ``SETTLE`` seconds before the run started, or since) is
not stored, so an edit racing a run cannot leave the old result under the new bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pickle
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from validator.ingest.documents import load_documents
from validator.ingest.limits import DEFAULT_LIMITS, Limits
from validator.ingest.loaders.terraform import TerraformRoot, VariableOptions
from validator.ingest.signed import Cache, open_folder, read_signed, write_atomic, write_signed

FORMAT = b"palette-policy parse cache 1\n"
SETTLE = 2.0  # seconds: a file modified this recently may be changing while it is read (coarse clocks)
ENV_DIR = "PALETTE_POLICY_CACHE_DIR"
_SOURCE = re.compile(rb'source"?\s*[:=]\s*"(\.\.?(?:/[^"]*)?)"')  # local module sources (HCL and JSON)
_TF = (".tf", ".tf.json")


def default_dir() -> Path:
    """The user cache folder: ``$XDG_CACHE_HOME/palette-policy``, else ``~/.cache/palette-policy``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "palette-policy"


_ACTIVE: Cache | None = None
_FINGERPRINT: str | None = None


def use(directory: Path | None) -> str | None:
    """Turn the cache on in ``directory`` for this process (None: off). Returns why the folder cannot be
    used (then the cache stays off), or None."""
    global _ACTIVE
    _ACTIVE = None
    if directory is None:
        return None
    try:
        _ACTIVE = open_folder(Path(directory))
    except OSError as exc:
        return f"{directory}: {exc.strerror or exc}"
    except ValueError as exc:
        return f"{directory}: {exc}"
    return None


def active() -> Cache | None:
    return _ACTIVE


def fingerprint() -> str:
    """This program: its version, Python's, and the size and time of every source file of the package (an
    upgrade or an edited checkout changes it)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import validator

        parts = [validator.__version__, sys.version, str(pickle.HIGHEST_PROTOCOL)]
        package = Path(validator.__file__).parent
        for base, dirs, names in os.walk(package):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(base, name))
                    parts.append(f"{os.path.relpath(os.path.join(base, name), package)}:{st.st_size}:{st.st_mtime_ns}")
        _FINGERPRINT = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return _FINGERPRINT


# --- what a root depends on ------------------------------------------------------------------------
Dependency = tuple[str, str]  # ("file" | "dir", absolute path)


def _state(dep: Dependency) -> str:
    """A dependency's current content: a file's digest, a folder's Terraform file names; or missing."""
    kind, path = dep
    try:
        if kind == "file":
            with open(path, "rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest()
        names = sorted(e.name for e in os.scandir(path) if e.name.endswith(_TF) and e.is_file())
        return "\0".join(names) or "(no .tf files)"
    except OSError as exc:
        return f"(unreadable: {exc.errno})"


def _changed_since(dep: Dependency, start: float) -> bool:
    try:
        return os.stat(dep[1]).st_mtime > start - SETTLE
    except OSError:
        return False  # missing: its state says so


def dependencies(
    root: TerraformRoot, scan_root: Path, directory: Path, options: VariableOptions, seen: dict[str, str] | None = None
) -> list[Dependency]:
    """Every file and folder whose content the evaluation of this root read or looked for (``seen``: filled
    with the digests of the files read on the way, by path)."""
    given = {item for kind, item in options.command_line if kind == "var-file"}
    files = [os.path.join(scan_root, p) for p in root.files_read]
    files += [os.path.join(scan_root, p) for p in root.variable_files if p not in given]
    files += [os.path.abspath(item) for item in sorted(given)]
    manifest = directory / ".terraform" / "modules" / "modules.json"
    files.append(str(manifest))
    dirs = [os.path.join(scan_root, d) for d in root.module_dirs]
    dirs += _installed_dirs(manifest)
    for path in root.files_read:
        full = os.path.join(scan_root, path)
        try:
            with open(full, "rb") as fh:
                text = fh.read()
        except OSError:
            continue
        if seen is not None:
            seen[os.path.normpath(full)] = hashlib.sha256(text).hexdigest()
        dirs += [os.path.join(os.path.dirname(full), m.group(1).decode()) for m in _SOURCE.finditer(text)]
    deps = [("file", os.path.normpath(p)) for p in files] + [("dir", os.path.normpath(d)) for d in dirs]
    return sorted(set(deps))


def _installed_dirs(manifest: Path) -> list[str]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        entries = data.get("Modules") or []
        return [str(manifest.parent.parent.parent / e["Dir"]) for e in entries if isinstance(e.get("Dir"), str)]
    except (OSError, ValueError, AttributeError, TypeError):
        return []


# --- lookup and store ------------------------------------------------------------------------------
def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=repr).encode()).hexdigest()


def _scan_root(directory: Path, display: str) -> Path:
    """The scanned folder (absolute), from a root's folder and its path as reports show it (relative to it)."""
    directory = Path(os.path.abspath(directory))
    if display in ("", ".") or os.path.isabs(display):
        return directory
    depth = len(Path(display).parts)
    return directory.parents[depth - 1] if depth <= len(directory.parents) else directory


def cached(
    directory: Path, display: str, names: list[str], options: VariableOptions | None = None, extra: Any = None
) -> Any:
    """The stored evaluation of this root when the cache is on and nothing the root read changed."""
    cache = _ACTIVE
    if cache is None:
        return None
    inputs, record = _inputs(directory, display, names, options or VariableOptions(), extra)
    deps = _read_record(cache.directory / "roots" / record)
    if deps is None:
        return None
    return _read_entry(cache, _digest(inputs, [(dep, _state(dep)) for dep in deps]))


def _inputs(
    directory: Path, display: str, names: list[str], options: VariableOptions, extra: Any
) -> tuple[tuple[Any, ...], str]:
    """What keys a root besides its files, and the name of its record of dependencies."""
    scan_root = _scan_root(directory, display)
    record = f"{_digest(str(scan_root), display, fingerprint())}.json"
    return (FORMAT.decode(), fingerprint(), display, sorted(names), options, extra), record


def remember(
    result: TerraformRoot,
    start: float,
    directory: Path,
    display: str,
    names: list[str],
    options: VariableOptions | None = None,
    extra: Any = None,
    payload: bytes | None = None,
    files: tuple[str, ...] = (),
) -> None:
    """Store the evaluation of this root begun at ``start``, when the cache is on: ``result``, or ``payload``
    when given (the pickled entry, a tuple led by ``result``). ``directory`` is the real folder (the files are
    hashed there), wherever it ran; ``files``: more files the evaluation read (the reader's record), depended
    on too."""
    cache, options = _ACTIVE, options or VariableOptions()
    if cache is None:
        return
    seen: dict[str, str] = {}
    deps = dependencies(result, _scan_root(directory, display), Path(os.path.abspath(directory)), options, seen)
    deps = sorted(set(deps) | {("file", os.path.normpath(f)) for f in files})
    states = [(dep, seen[dep[1]] if dep[0] == "file" and dep[1] in seen else _state(dep)) for dep in deps]
    # after reading them: a file modified since the run started may have been read with other bytes
    if any(_changed_since(dep, start) for dep in deps):
        return
    inputs, record = _inputs(directory, display, names, options, extra)
    key = _digest(inputs, states)
    try:
        _write_entry(cache, key, result, payload=payload)
        write_atomic(cache.directory / "roots" / record, json.dumps([list(d) for d in deps]).encode())
    except OSError:
        pass  # a full disk or a read-only cache costs the next run time, never this run's result


def _entry_path(cache: Cache, key: str, kind: str = "terraform") -> Path:
    return cache.directory / kind / key[:2] / key


def _write_entry(cache: Cache, key: str, value: object, kind: str = "terraform", payload: bytes | None = None) -> None:
    """Store ``value`` under ``key`` (``payload``: ``value`` already pickled)."""
    if payload is None:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    write_signed(cache, _entry_path(cache, key, kind), FORMAT, payload)
    global _PRUNED
    if not _PRUNED:
        _PRUNED = True
        prune(cache.directory)


MAX_BYTES = 1 << 30  # the cache keeps the most recently used entries within this size
_PRUNED = False  # once per process, when it first writes


def prune(directory: Path, limit: int = MAX_BYTES) -> None:
    """Delete the least recently used entries (a hit refreshes an entry's time) until the cache holds at most
    ``limit``·0.8 bytes, when it holds more than ``limit``."""
    entries = []
    for kind in ("terraform", "documents", "valid"):
        for base, _, names in os.walk(directory / kind):
            for name in names:
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(base, name))
                    entries.append((st.st_mtime, st.st_size, os.path.join(base, name)))
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return
    for _, size, path in sorted(entries):
        with contextlib.suppress(OSError):
            os.unlink(path)
        total -= size
        if total <= limit * 0.8:
            break


def _read_record(path: Path) -> list[Dependency] | None:
    try:
        data = json.loads(path.read_bytes())
        return [(str(kind), str(p)) for kind, p in data if kind in ("file", "dir")]
    except (OSError, ValueError, TypeError):
        return None


def _read_entry(cache: Cache, key: str, kind: str = "terraform") -> Any:
    """The entry of ``key`` when it is there, whole and signed by this cache's key; else None."""
    payload = read_signed(cache, _entry_path(cache, key, kind), FORMAT)
    if payload is None:
        return None
    try:
        found = pickle.loads(payload)
    except Exception:  # signed by us yet unreadable (written by another Python): a miss
        return None
    if kind == "terraform":
        return found if isinstance(found if not isinstance(found, tuple) else found[0], TerraformRoot) else None
    return found if isinstance(found, list) else None


# --- YAML and JSON documents ------------------------------------------------------------------------
def load_documents_cached(
    text: str, filename: str, limits: Limits = DEFAULT_LIMITS, derive: Callable[[Any, str], object] | None = None
) -> list[Any]:
    """``load_documents`` through the cache when it is on: keyed by the file's text and name (its
    locations), the limits and the tool. A text that is not a valid document is not stored. ``derive(doc,
    filename)`` runs on each document before it is stored: what a loader builds from it and keeps on it
    (``Document.derived``) is stored with it, a function of the same key."""
    cache = _ACTIVE
    if cache is None:
        return load_documents(text, filename, limits)
    key = _digest(FORMAT.decode(), fingerprint(), filename, limits, hashlib.sha256(text.encode()).hexdigest())
    found = _read_entry(cache, key, "documents")
    if found is not None:
        return found
    docs = load_documents(text, filename, limits)
    if derive is not None:
        for doc in docs:
            derive(doc, filename)
    with contextlib.suppress(OSError):
        _write_entry(cache, key, docs, "documents")
    return docs


# --- documents that passed their schema ------------------------------------------------------------
Mark = tuple[Path, bytes]  # where the mark of a (document, schema) pair is, and what it holds


def schema_mark(doc: Any, schema: dict[str, Any]) -> Mark | None:
    """The mark that ``doc`` passed ``schema``, when the cache is on: an HMAC of the pair's digest, so
    only this cache's marks count (None: the cache is off, or the document cannot be written out). The
    document is digested as its ``repr``, which keeps every value's type (JSON would write a date, bytes or
    an integer key as a string that another document may hold)."""
    cache = _ACTIVE
    if cache is None:
        return None
    try:
        text = repr((FORMAT.decode(), fingerprint(), json.dumps(schema, sort_keys=True), doc))
    except (RecursionError, ValueError):  # ValueError: an integer beyond Python's digit limit
        return None
    key = hashlib.sha256(text.encode()).hexdigest()
    return _entry_path(cache, key, "valid"), hmac.new(cache.secret, key.encode(), "sha256").digest()


def has_mark(mark: Mark) -> bool:
    try:
        return hmac.compare_digest(mark[0].read_bytes(), mark[1])
    except OSError:
        return False


def write_mark(mark: Mark) -> None:
    with contextlib.suppress(OSError):
        write_atomic(*mark)
