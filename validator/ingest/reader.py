"""The one reader: every file palette-policy reads comes through ``read_bytes``.

A pre-merge check reads what the author of a pull request wrote, so reading itself must hold against
hostile files. The reader opens without blocking and checks the open descriptor (``fstat``): a FIFO, a
socket, a device or a folder is refused before a byte is read, so ``/dev/zero`` or a pipe cannot hang or
exhaust the run. The size limit is checked on the descriptor and again while reading, so a file that grows
after the check is not read whole. A path that comes from the scanned repository (a file found by the walk,
a Squid include, a module source) must stay inside the repository that holds the scanned folder (its git
top level, else the scanned folder itself) once symbolic links are resolved, unless ``--allow-outside``
names where it leads: whoever writes the pull request writes the repository, nothing outside it. Paths
given on the command line are the user's own choice.

Every file read is recorded with the SHA-256 of the exact bytes read (``ReadScope.log``), so the evidence
bundle hashes what influenced the result, not what happens to be on disk later.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from validator.ingest.limits import DEFAULT_LIMITS
from validator.model.errors import InputError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReadRecord:
    """One file read: as the user knows it (``path``), where it really is, and the digest of what was read."""

    path: str
    real: str
    sha256: str


@dataclass
class ReadScope:
    """The rules of one run's reads and the record of what it read.

    ``root``: the repository that holds the scanned folder (resolved); paths from the repository must stay
    inside it or inside one of ``allowed`` (``--allow-outside``). ``max_bytes``: the size limit for every
    file."""

    root: Path | None = None
    allowed: tuple[Path, ...] = ()
    max_bytes: int = DEFAULT_LIMITS.max_file_bytes
    log: dict[str, ReadRecord] = field(default_factory=dict)  # real path → record

    def permits(self, real: str | Path) -> bool:
        """Whether a resolved path lies inside the repository or a folder allowed on the command line."""
        return any(is_inside(real, base) for base in ([self.root] if self.root else []) + list(self.allowed))


_SCOPE: ContextVar[ReadScope | None] = ContextVar("palette_policy_read_scope", default=None)


@contextmanager
def reading(scope: ReadScope) -> Iterator[ReadScope]:
    """Make ``scope`` the rules and the log of every read in this block (one run)."""
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


def current_scope() -> ReadScope:
    return _SCOPE.get() or ReadScope()


def is_inside(path: str | Path, base: str | Path) -> bool:
    """``path`` is ``base`` or below it (both resolved by the caller)."""
    path, base = os.fspath(path), os.fspath(base)
    return path == base or path.startswith(base.rstrip(os.sep) + os.sep)


def confine(path: Path, shown: str, root: Path | None = None) -> str:
    """The resolved path of a repository reference, or an InputError when it leads outside ``root`` (the
    scanned folder, or None), outside the run's repository and outside every ``--allow-outside`` folder."""
    scope = current_scope()
    real = os.path.realpath(path)
    if (root is None and scope.root is None) or (root is not None and is_inside(real, os.path.realpath(root))):
        return real
    if scope.permits(real):
        return real
    via = " through a symbolic link" if os.path.realpath(os.path.abspath(path)) != os.path.abspath(path) else ""
    raise InputError(
        f"cannot read file: it leads outside the repository{via} (to {real})",
        file=shown,
        hint="copy it into the repository, or pass --allow-outside PATH to allow that folder",
    )


def _open(path: str, shown: str, follow: bool) -> int:
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY | (0 if follow else os.O_NOFOLLOW)
    try:
        return os.open(path, flags)
    except OSError as exc:
        reason = {
            errno.ENOENT: "does not exist",
            errno.EACCES: "permission denied",
            errno.EPERM: "permission denied",
            errno.ELOOP: "it is a symbolic link (changed while being read?)",
            errno.ENXIO: "not a regular file (a socket or a device)",
            errno.ENOTDIR: "does not exist (a part of its path is not a folder)",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise InputError(f"cannot read file: {reason}", file=shown, hint="check the path and its permissions") from None


def read_bytes(
    path: Path,
    rel: str | None = None,
    *,
    max_bytes: int | None = None,
    root: Path | None = None,
    record: bool = True,
) -> bytes:
    """The bytes of one regular file, within the size limit; InputError naming the file (``rel``) otherwise.

    ``root``: the path comes from the repository, so once resolved it must stay inside that folder (or an
    ``--allow-outside`` folder); it is then opened without following links. ``record``: log it as an input
    of the run (False for files only looked at, such as an evidence bundle's manifest during the walk)."""
    shown = rel or str(path)
    if "\x00" in os.fspath(path):
        raise InputError("cannot read file: its name contains a NUL character", file=shown.replace("\x00", "\\0"))
    scope = current_scope()
    limit = scope.max_bytes if max_bytes is None else max_bytes
    target = confine(path, shown, root) if root is not None else os.fspath(path)
    fd = _open(target, shown, follow=root is None)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("cannot read file: it is a folder", file=shown, hint="name a file, not a folder")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                "cannot read file: not a regular file (a pipe, socket or device)",
                file=shown,
                hint="point at a regular file, or add it to .palette-policy-ignore",
            )
        if info.st_size > limit:
            raise _too_big(shown, info.st_size, limit)
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, min(_CHUNK, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _too_big(shown, total, limit, growing=True)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=shown) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if record:
        real = os.path.realpath(target)
        scope.log[real] = ReadRecord(shown, real, hashlib.sha256(data).hexdigest())
    return data


def _too_big(shown: str, size: int, limit: int, growing: bool = False) -> InputError:
    what = "grew past" if growing else f"is {size / 1048576:.0f} MiB, over"
    return InputError(
        f"file {what} the {limit / 1048576:.0f} MiB limit",
        file=shown,
        hint="raise --max-file-size or add it to .palette-policy-ignore",
    )


def decode(data: bytes, shown: str) -> str:
    """A config file's text: UTF-8 (a BOM is dropped); binary or other encodings are a located error."""
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not a text configuration", file=shown, hint="add it to .palette-policy-ignore")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", file=shown, line=line, hint="save the file as UTF-8"
        ) from None


def read_text(path: Path, rel: str | None = None, *, max_bytes: int | None = None, root: Path | None = None) -> str:
    """Read a config file as UTF-8 through ``read_bytes``."""
    return decode(read_bytes(path, rel, max_bytes=max_bytes, root=root), rel or str(path))
