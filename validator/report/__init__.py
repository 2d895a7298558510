"""Reporters: one module per output format, each a pure function ``render(report) -> str``.

Reporters only format; they decide nothing. ``write_output`` puts the text on stdout, on a device or pipe, or
atomically in a regular file.
"""

from __future__ import annotations

import importlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from validator.model.errors import InputError

if TYPE_CHECKING:
    from validator.model.report import Report

Renderer = Callable[["Report"], str]


_MODULES = {  # format → the module whose ``render`` writes it
    "table": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "markdown": "markdown",
    "html": "html",
}
FORMATS = tuple(_MODULES)


def renderer(name: str) -> Renderer:
    """The renderer of one format; only its module is imported (the CLI starts fast)."""
    module = importlib.import_module(f"validator.report.{_MODULES[name]}")
    render: Renderer = module.render
    return render


def _umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux), else briefly set."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, text: str | bytes, mode: int | None = None) -> None:
    """Write a regular file via a temporary file in the same folder and rename: never a half-written report.

    The file gets ``mode``, else the mode it had, else what a new file gets under the umask (0666 & ~umask),
    as a shell redirection would; a symbolic link is written through, not replaced."""
    path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if mode is None:
            mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~_umask()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc.strerror or exc}", file=str(path)) from None
    try:
        mask = os.umask(0)  # mkstemp makes the file 0600; a report gets what any new file gets here
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(text, bytes):
                handle.write(text)
            else:  # perf: encoded a megabyte at a time, no second copy of a big report
                for start in range(0, len(text), 1 << 20):
                    handle.write(text[start : start + (1 << 20)].encode("utf-8"))
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write the output: {exc.strerror or exc}", file=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_output(target: str | Path | None, content: str) -> None:
    """Put one output where the user asked: ``-`` or None is standard output; a character device or a FIFO
    (``/dev/null``, ``/dev/stdout``, a pipe) is written directly, never replaced; a regular file, or a new
    one, atomically (``atomic_write``); a folder is a located error, before anything is written."""
    if target is None or str(target) == "-":
        sys.stdout.write(content)
        sys.stdout.flush()
        return
    path = Path(target)
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc.strerror or exc}", file=str(path)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(
            "cannot write the output: it is a folder", file=str(path), hint=f"name a file, e.g. {path}/report.txt"
        )
    if info is None or stat.S_ISREG(info.st_mode):
        atomic_write(path, content)
        return
    try:  # a device, FIFO or socket: write in place, as a shell redirection does
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC | os.O_NOCTTY)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot write the output: {exc.strerror or exc}", file=str(path)) from None


def write(text: str, output: Path | str | None) -> None:
    """A report's text, ending with a newline, to ``write_output``."""
    write_output(output, text if text.endswith("\n") else text + "\n")
