"""The ingest stage: everything that reads a file.

``discover`` walks the scanned folder (the one reader of files: limits, symlinks, devices); ``loaders/``
turn each format into model objects and decide nothing; ``topology``, ``profiles``, ``config`` and
``waivers`` read the files that say what to check and how.
"""
