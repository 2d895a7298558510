"""pytest fixtures shared by every test (helpers live in tests/helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import Cli
from validator.ingest import cache
from validator.policy import parse_cache


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The parse cache is on by default: the test run uses one of its own (every run of the suite goes
    through it), never the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    patch.delenv("PALETTE_POLICY_CACHE_DIR", raising=False)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _cache_off_after_each_test() -> Iterator[None]:
    """A command turns the cache on for its process; in-process tests start each without it."""
    yield
    cache.use(None)
    parse_cache.use(None)
