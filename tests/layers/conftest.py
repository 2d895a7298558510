"""pytest setup for tests/layers: the ``slow`` marker (registered in pyproject.toml).

Slow tests (real-Squid differential runs, ~2 minutes) are skipped unless selected with ``-m slow`` or
``PALETTE_POLICY_SLOW=1`` is set, so the default suite stays fast.
"""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PALETTE_POLICY_SLOW") == "1" or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or PALETTE_POLICY_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
