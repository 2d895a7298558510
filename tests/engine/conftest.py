from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
SAMPLE = HERE / "sample_policy"


@pytest.fixture
def standin():
    """The OPA STAND-IN (embedded engine behind OPA's REST endpoints), not a real OPA."""
    from .opa_standin import OpaStandIn

    with OpaStandIn(token="t0ken") as server:
        yield server
