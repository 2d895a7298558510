"""palette-policy: checks that the network paths Spectro Cloud Palette needs get through a repo's configs."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    """``__version__`` from the installed distribution's metadata (pyproject.toml is the one place it is
    written), looked up on first use so that starting the CLI does not pay for it."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("palette-policy")
        except PackageNotFoundError:  # a source tree that was never installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
