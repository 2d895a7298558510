"""The parsed form of an HCL file: bodies of attributes and blocks, each knowing its file and line."""

from __future__ import annotations

from dataclasses import dataclass, field

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.lexer import _Lexer


@dataclass
class SourceFile:
    """One parsed file: its display path and text (expression text for unknowns, lines)."""

    path: str
    text: str
    lexer: _Lexer | None = None

    def line(self, offset: int) -> int:
        assert self.lexer is not None
        return self.lexer.line_of(offset)


@dataclass(slots=True)  # perf: one per attribute, block and body of every file
class Attribute:
    name: str
    expr: x.Expr
    file: SourceFile
    start: int
    fixed_line: int | None = None  # JSON syntax: the line the JSON reader gives

    @property
    def line(self) -> int:
        return self.fixed_line or self.file.line(self.start)

    def text(self) -> str:
        return self.expr.text(self.file.text)


@dataclass(slots=True)
class Block:
    type: str
    labels: list[str]
    body: Body
    file: SourceFile
    start: int
    fixed_line: int | None = None

    @property
    def line(self) -> int:
        return self.fixed_line or self.file.line(self.start)


@dataclass(slots=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
