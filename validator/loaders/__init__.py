"""One loader module per input format; each turns files into plain dataclasses."""
