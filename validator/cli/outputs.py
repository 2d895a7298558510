"""Formats and outputs: one name per format in every command, and several outputs from one run.

``--format F [--output FILE]`` is the single case; ``--output FORMAT=PATH`` (repeatable, ``-`` = stdout)
writes several formats from the same evaluation. The names older versions used (``text``, ``txt``,
``md``) are accepted as aliases and never shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from validator.model.errors import InputError

ALIASES = {"text": "table", "txt": "table", "md": "markdown"}
_PAIR = re.compile(r"^([A-Za-z][A-Za-z-]*)=(.+)$")
OUTPUT_HELP = (
    "Write a report: FORMAT=PATH (repeatable; PATH - is stdout), e.g. -o sarif=a.sarif -o github=-; "
    "or one FILE for --format. Files are written atomically."
)


def canonical(name: str) -> str:
    name = name.strip().lower()
    return ALIASES.get(name, name)


def format_option(choices: Sequence[str], default: str | None, help: str, short: bool = True) -> Any:
    """``--format`` with the command's choices shown in --help and offered by shell completion."""

    def parse(value: str) -> str:
        name = canonical(value)
        if name not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return name

    return typer.Option(
        default,
        "--format",
        *(["-f"] if short else []),
        parser=parse,
        metavar="[" + "|".join(choices) + "]",
        autocompletion=lambda: list(choices),
        help=help,
    )


def output_option(help: str = OUTPUT_HELP) -> Any:
    return typer.Option([], "--output", "-o", help=help, metavar="FORMAT=PATH|FILE")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path | None  # None: stdout

    @property
    def where(self) -> str:
        return "stdout" if self.path is None else str(self.path)


def plan(entries: Sequence[str], fmt: str, fmt_given: bool, choices: Sequence[str]) -> list[Output]:
    """The outputs of one run, from ``--output`` entries and ``--format``.

    A plain entry is the file for ``--format``; ``FORMAT=PATH`` entries stand alone. With only
    ``FORMAT=PATH`` entries nothing else is printed, so a ``--format`` given with them but without a plain
    FILE is a usage error (say ``-o FORMAT=-``). A word before ``=`` must be a format (write ``./a=b``
    for a file with that name)."""
    pairs, plain = [], []
    for entry in entries:
        match = _PAIR.match(entry)
        if match is None:
            plain.append(entry)
            continue
        name = canonical(match.group(1))
        if name not in choices:
            raise InputError(
                f"--output {entry!r}: unknown format {match.group(1)!r}",
                hint=f"use one of {', '.join(choices)}; for a file with '=' in its name write ./{entry}",
            )
        target = match.group(2)
        pairs.append(Output(name, None if target == "-" else Path(target)))
    if len(plain) > 1:
        raise InputError(
            f"--output given {len(plain)} plain files ({', '.join(plain)})",
            hint="name each one's format: -o FORMAT=PATH",
        )
    outputs = list(pairs)
    if plain:
        outputs.insert(0, Output(fmt, None if plain[0] == "-" else Path(plain[0])))
    elif not pairs:
        outputs.append(Output(fmt, None))
    elif fmt_given:
        raise InputError(
            "--format with FORMAT=PATH outputs but no plain --output FILE",
            hint=f"add -o {fmt}=- for stdout, or -o {fmt}=FILE",
        )
    _check_distinct(outputs)
    return outputs


def _check_distinct(outputs: list[Output]) -> None:
    seen: dict[str, Output] = {}
    for out in outputs:
        key = "-" if out.path is None else str(out.path.resolve())
        if key in seen:
            raise InputError(
                f"--output: {out.format} and {seen[key].format} both go to {out.where}",
                hint="give each output its own file (one at most on stdout)",
            )
        seen[key] = out


def emit(outputs: list[Output], render: Callable[[str], str]) -> None:
    """Render each output once and write it through the report layer's writer (files first, stdout last,
    so a closed stdout cannot keep a file from being written)."""
    from validator.report import write

    texts = [(out, render(out.format)) for out in outputs]
    for out, text in sorted(texts, key=lambda pair: pair[0].path is None):
        write(text, out.path)
