"""`.palette-policy-ignore` follows gitignore's rules, checked against git itself (`git check-ignore`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from validator.ingest.discover import discover

PATTERNS = """\
# comments and blank lines are skipped

*.tfstate
!keep.tfstate
/top.json
generated/
docs/**/draft.yaml
**/vendor
modules/*/examples/
!modules/x/examples/
"""

FILES = [
    "a.tfstate",
    "deep/b.tfstate",
    "deep/keep.tfstate",
    "top.json",
    "deep/top.json",
    "generated/x.yaml",
    "deep/generated/y.yaml",
    "generated.json",
    "docs/draft.yaml",
    "docs/a/b/draft.yaml",
    "docs/a/final.yaml",
    "vendor/z.json",
    "deep/vendor/z.json",
    "modules/x/examples/e.json",
    "modules/y/examples/e.json",
    "modules/y/main.json",
]


def _tree(root: Path) -> None:
    for rel in FILES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n", encoding="utf-8")


def _ignored_by_us(root: Path) -> set[str]:
    found = discover(root)
    ignored = set()
    for rel in FILES:
        if rel in found.ignored or any(rel.startswith(d) for d in found.ignored if d.endswith("/")):
            ignored.add(rel)
    return ignored


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_ignore_file_matches_what_git_ignores(tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    _tree(ours)
    (ours / ".palette-policy-ignore").write_text(PATTERNS, encoding="utf-8")
    theirs = tmp_path / "theirs"
    _tree(theirs)
    (theirs / ".gitignore").write_text(PATTERNS, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(theirs)], check=True)
    proc = subprocess.run(
        ["git", "-C", str(theirs), "check-ignore", "--no-index", *FILES], capture_output=True, text=True
    )
    assert proc.returncode in (0, 1), proc.stderr
    by_git = set(proc.stdout.split())
    assert by_git  # the oracle answered
    assert _ignored_by_us(ours) == by_git
    # spelled out, so a change in either side is visible
    assert "deep/keep.tfstate" not in by_git and "deep/top.json" not in by_git and "generated.json" not in by_git
    assert "modules/x/examples/e.json" not in by_git and "modules/y/examples/e.json" in by_git


def test_negation_and_anchoring_change_what_is_loaded(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".palette-policy-ignore").write_text("*.json\n!/top.json\n", encoding="utf-8")
    found = discover(tmp_path)
    loaded = {found.display(p) for p in found.documents}
    assert "top.json" in loaded and "deep/top.json" not in loaded and "generated.json" not in loaded
