"""One reporter module per output format; reporters only format, they never decide."""
