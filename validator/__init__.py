"""palette-policy: checks that the network paths Spectro Cloud Palette needs get through a repo's configs."""

__version__ = "0.1.0"
