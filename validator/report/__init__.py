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


def atomic_write(path: Path, text: str | bytes) -> None:
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
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        atomic_write(output, text if text.endswith("\n") else text + "\n")
