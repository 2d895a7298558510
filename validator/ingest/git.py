"""The git repository around a scanned folder: its top level, and a folder exported at another ref.

``git_root`` bounds the search for the defaults file and makes SARIF paths repository-relative;
``git_checkout`` exports a folder as it is at a ref (``git archive``) for ``diff --git-base``.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from validator.model.errors import InputError


def git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``.git`` (a folder, or a worktree's file)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


@contextmanager
def git_checkout(head: Path, ref: str) -> Iterator[Path]:
    """The folder ``head`` as it is at ``ref`` of its repository, exported (git archive) to a temp dir."""
    top = git_root(head)
    if top is None:
        raise InputError(f"{head} is not inside a git repository", hint="--git-base needs a git work tree")
    rel = head.resolve().relative_to(top).as_posix()
    proc = subprocess.run(
        ["git", "-C", str(top), "archive", "--format=tar", ref, "--", rel if rel != "." else "."],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"git archive {ref}: {message[-1] if message else 'failed'}",
            hint="give a commit, branch or tag of this repository",
        )
    with tempfile.TemporaryDirectory(prefix="palette-policy-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
            archive.extractall(tmp, filter="data")
        folder = Path(tmp) / rel
        if not folder.exists():
            raise InputError(f"{rel} does not exist at {ref}")
        yield folder
