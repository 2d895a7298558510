"""``python -m validator`` = the ``palette-policy`` console script."""

from .cli import main

main()
