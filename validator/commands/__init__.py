"""Each CLI command in its own module; importing this package registers them all on ``cli.app``."""

from . import connectivity, diff, evidence, explain, input_doc, policy, requirements, validate  # noqa: F401
