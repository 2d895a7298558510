"""Entries that only this user's runs can have written: a private folder, a key in it, whole files.

The parse cache keeps evaluated configurations and parsed policies between runs, pickled. Unpickling can run
code, so an entry is read back only when the HMAC-SHA256 written with it matches under the folder's key (32
random bytes in ``key``, ``0600``, in a ``0700`` folder that must be this user's). Every file is written to a
temporary file beside it and renamed into place: concurrent runs and a run killed at any moment leave whole
files or none.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Cache:
    """An opened cache folder and its HMAC key."""

    directory: Path
    secret: bytes


def open_folder(directory: Path) -> Cache:
    """The folder (created ``0700`` if missing) and its key (created if missing); ValueError when either is
    not this user's and private, OSError when it cannot be made."""
    private_dirs(directory)
    info = directory.stat()
    if info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise ValueError("the cache folder must belong to this user and be private (chmod 700)")
    key = directory / "key"
    if not key.exists():
        write_atomic(key, os.urandom(32), exclusive=True)
    info = key.stat()
    secret = key.read_bytes()
    if info.st_uid != os.geteuid() or info.st_mode & 0o077 or len(secret) != 32:
        raise ValueError("the cache key must be this user's private 32-byte file (delete it to start afresh)")
    return Cache(directory, secret)


def write_signed(cache: Cache, path: Path, header: bytes, payload: bytes) -> None:
    """Store ``payload`` at ``path`` after ``header`` (what the entry is) and its HMAC."""
    write_atomic(path, header + hmac.new(cache.secret, payload, "sha256").digest() + payload)


def read_signed(cache: Cache, path: Path, header: bytes) -> bytes | None:
    """The payload stored at ``path`` when it is there, whole, of this ``header`` and signed with this cache's
    key; else None. A hit refreshes the file's time (the least recently used entries are pruned first)."""
    try:
        blob = path.read_bytes()
        os.utime(path)
    except OSError:
        return None
    head = len(header) + 32
    if not blob.startswith(header) or len(blob) <= head:
        return None
    mac, payload = blob[len(header) : head], blob[head:]
    return payload if hmac.compare_digest(mac, hmac.new(cache.secret, payload, "sha256").digest()) else None


def write_atomic(path: Path, data: bytes, exclusive: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path`` and move it into place in one step (``exclusive``:
    keep a file another process put there first)."""
    private_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if exclusive:
            with contextlib.suppress(FileExistsError):  # another run's key came first: theirs is used
                os.link(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def private_dirs(folder: Path) -> None:
    """``folder`` and its missing parents, each created ``0700`` (``mkdir(parents=True)`` would not)."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for item in reversed(missing):
        with contextlib.suppress(FileExistsError):
            item.mkdir(mode=0o700)
