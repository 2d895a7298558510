"""pytest fixtures shared by every test (helpers live in tests/helpers.py)."""

from __future__ import annotations

import pytest

from tests.helpers import Cli


@pytest.fixture
def cli() -> Cli:
    return Cli()
