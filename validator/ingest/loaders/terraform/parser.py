"""HCL native syntax → bodies of attributes and blocks, with expression trees (``expr``) and lines.

A recursive-descent parser over the lexer's tokens, following the HCL native syntax specification: this module
reads the structure (attributes, blocks, newlines ending attributes except inside brackets) and the entry
points; ``expressions`` reads the values. Errors are InputErrors with file, line and column.
"""

from __future__ import annotations

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform.expressions import ExpressionParser
from validator.ingest.loaders.terraform.lexer import Token, tokenize
from validator.ingest.loaders.terraform.syntax import Attribute, Block, Body, SourceFile


class _Parser(ExpressionParser):
    """Bodies and blocks around the expressions."""

    def body(self, closing: str | None) -> Body:
        """Attributes and blocks up to ``closing`` (not consumed) or the end of the file."""
        body = Body()
        while True:
            tok = self.tokens[self.i]
            kind = tok[0]
            if kind == "nl":
                self.i += 1
                continue
            if kind == "eof" or kind == closing:
                if kind != (closing or "eof"):
                    raise self.error("unexpected end of file: a block is not closed", tok[2])
                return body
            if kind != "ident":
                raise self.error(f"expected an attribute or a block, found {self.describe(tok)}", tok[2])
            self.i += 1
            nxt = self.tokens[self.i]
            if nxt[0] == "=":
                self.i += 1
                if tok[1] in body.attributes:
                    raise self.error(f"attribute {tok[1]!r} is set twice in this block", tok[2])
                value = self.expression()
                body.attributes[str(tok[1])] = Attribute(str(tok[1]), value, self.file, tok[2])
                self.end_line("an attribute")
            elif nxt[0] in ("oquote", "{", "ident"):
                body.blocks.append(self.block(tok))
            else:
                raise self.error(f"expected '=' or a block after {tok[1]!r}, found {self.describe(nxt)}", nxt[2])

    def end_line(self, what: str) -> None:
        tok = self.tokens[self.i]
        if tok[0] == "nl":
            self.i += 1
        elif tok[0] != "eof":
            raise self.error(f"expected a new line after {what}, found {self.describe(tok)}", tok[2])

    def block(self, head: Token) -> Block:
        labels: list[str] = []
        while True:
            tok = self.tokens[self.i]
            if tok[0] == "ident":
                labels.append(str(tok[1]))
                self.i += 1
            elif tok[0] == "oquote":
                self.i += 1
                text = ""
                while self.tokens[self.i][0] == "lit":
                    text += str(self.tokens[self.i][1])
                    self.i += 1
                if self.tokens[self.i][0] != "cquote":
                    raise self.error("a block label must be a plain string", tok[2])
                self.i += 1
                labels.append(text)
            elif tok[0] == "{":
                self.i += 1
                break
            else:
                raise self.error(f"expected a block label or '{{' on this line, found {self.describe(tok)}", tok[2])
        if self.tokens[self.i][0] in ("nl", "eof", "}"):
            body = self.body("}")
        else:  # a one-line block: one attribute, closed on the same line
            body = Body()
            name = self.tokens[self.i]
            if name[0] != "ident" or self.tokens[self.i + 1][0] != "=":
                raise self.error("a block written on one line holds one attribute (name = value)", name[2])
            self.i += 2
            body.attributes[str(name[1])] = Attribute(str(name[1]), self.expression(), self.file, name[2])
            if self.tokens[self.i][0] != "}":
                why = "a block written on one line holds one attribute and ends on that line"
                raise self.error(why, self.tokens[self.i][2])
        self.i += 1  # the closing brace
        self.end_line("a block")
        return Block(str(head[1]), labels, body, self.file, head[2])


def parse_hcl(text: str, path: str, fold: bool = True) -> Body:
    """Parse one .tf / .tfvars file; InputError with file:line:column when it is not valid HCL.

    ``fold=False`` keeps every constant as the syntax wrote it (for tools that compare syntax trees)."""
    tokens, lexer = tokenize(text, path)
    file = SourceFile(path, text, lexer)
    parser = _Parser(tokens, file)
    parser.fold = fold
    body = parser.body(None)
    lexer.tokens = []  # perf: the file keeps its lexer for line numbers; the tokens outweigh the tree
    return body


def parse_expression(text: str, path: str) -> tuple[x.Expr, SourceFile]:
    """One expression (a ``-var`` / ``TF_VAR_`` value of a complex type)."""
    tokens, lexer = tokenize(text, path)
    file = SourceFile(path, text, lexer)
    parser = _Parser(tokens, file)
    parser.skip_nl = True
    node = parser.expression()
    while parser.tokens[parser.i][0] == "nl":
        parser.i += 1
    if parser.tokens[parser.i][0] != "eof":
        raise parser.error("expected one expression", parser.tokens[parser.i][2])
    lexer.tokens = []
    return node, file


__all__ = ["Attribute", "Block", "Body", "SourceFile", "parse_expression", "parse_hcl"]
