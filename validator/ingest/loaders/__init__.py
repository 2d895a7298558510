"""Loaders: one module per file format, each turning a file into model objects; they decide nothing.

``registry.load_all`` reads what ``discover`` found. This package imports nothing itself, so a command that
needs one format (``connectivity`` reads only Kubernetes manifests) does not pay for the others.
"""
