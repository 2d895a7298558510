"""Each CLI command in its own module; importing this package registers them all on ``cli.app``."""
from . import connectivity  # noqa: F401
