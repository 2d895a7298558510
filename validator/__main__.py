"""``python -m validator`` = the ``palette-policy`` console script."""

from validator.cli import main

main()
