"""Each CLI command in its own module; importing this package registers them all on ``cli.app``."""

from . import (  # noqa: F401
    diff,  # noqa: F401
    evidence,  # noqa: F401
    requirements,
    validate,
)
