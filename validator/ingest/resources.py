"""Where the shipped policies and schemas are, both in a source checkout and in an installed wheel.

The repository keeps ``policies/`` and ``schemas/`` at the top level (the design's layout); the wheel
carries copies under ``validator/bundled/`` (see pyproject.toml). Source checkouts win so that edits to
``policies/`` take effect without reinstalling.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # validator/


def resource_dir(kind: str) -> Path:
    """``policies`` or ``schemas``: the directory the running code should read."""
    checkout = _PACKAGE.parent / kind
    if checkout.is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE / "bundled" / kind


def resource_path(kind: str, name: str) -> Path:
    return resource_dir(kind) / name
