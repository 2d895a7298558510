"""Where report paths are relative to: SARIF and GitHub annotations need repository-relative paths.

Reports name files relative to the scanned folder; code scanning and workflow annotations place them
relative to the repository root. The prefix is the scanned folder relative to ``--sarif-root`` (default:
the git top-level above it, else the current directory).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from validator.ingest.git import git_root


def repo_prefix(scanned: str | Path, root: Path | None = None) -> str | None:
    """The scanned folder relative to ``root`` as a POSIX prefix ('' for the root itself); None if outside."""
    folder = Path(scanned).resolve()
    if folder.is_file():
        folder = folder.parent
    base = (root or git_root(folder) or Path.cwd()).resolve()
    try:
        rel = folder.relative_to(base)
    except ValueError:
        return None
    text = rel.as_posix()
    return "" if text == "." else text


def repo_path(file: str, prefix: str | None, scanned: str | Path) -> tuple[str, bool]:
    """(path, relative): a report path made repository-relative, or absolute when it is outside the root."""
    if os.path.isabs(file):
        return Path(file).as_posix(), False
    if prefix is None:
        folder = Path(scanned).resolve()
        folder = folder.parent if folder.is_file() else folder
        return (folder / file).as_posix(), False
    return str(PurePosixPath(prefix) / file) if prefix else file, True
