"""Reporters: one module per output format, each a pure function ``render(report) -> str``.

Reporters only format; they decide nothing. ``write`` puts the text on stdout or, atomically, in a file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from validator.model.errors import InputError

if TYPE_CHECKING:
    from validator.model.report import Report

Renderer = Callable[["Report"], str]


FORMATS = ("table", "json", "sarif", "junit", "github", "markdown", "html")


def renderers() -> dict[str, Renderer]:
    """Format name → renderer (imported on use: the CLI starts fast)."""
    from validator.report import github, html, json_report, junit, markdown, sarif, text

    return {
        "table": text.render,
        "json": json_report.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "github": github.render,
        "markdown": markdown.render,
        "html": html.render,
    }


def atomic_write(path: Path, text: str | bytes, end: str = "") -> None:
    """Write via a temporary file in the same folder and rename: never a half-written report."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        mask = os.umask(0)  # mkstemp makes the file 0600; a report gets what any new file gets here
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(text, bytes):
                handle.write(text)
            else:  # perf: encoded a slice at a time, no second copy of a big report
                for start in range(0, len(text), _SLICE):
                    handle.write(text[start : start + _SLICE].encode("utf-8"))
            handle.write(end.encode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_SLICE = 1 << 20  # characters encoded at a time


def write(text: str, output: Path | None) -> None:
    end = "" if text.endswith("\n") else "\n"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.write(end)
    else:
        atomic_write(output, text, end)
