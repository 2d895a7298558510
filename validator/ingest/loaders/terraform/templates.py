"""Token reading and templates: quoted strings and heredocs with ``${ }`` interpolations and ``%{ if }`` /
``%{ for }`` directives, as HashiCorp's parser builds them (``hclsyntax/parser_template.go``).

A template is first read as a flat list of parts (literal tokens, interpolations, directive markers);
strip markers (``~``) trim the one literal token next to them, ``<<-`` removes the smallest indentation
of the lines that have text from each line-leading literal, adjacent literals are joined, and only then
are ``if`` / ``for`` directives paired with their ``else`` / ``endif`` / ``endfor``. A template that is a
single interpolation gives that value unconverted.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.lexer import SPACES, Token
from validator.ingest.loaders.terraform.syntax import SourceFile
from validator.model.errors import InputError

_INF = float("inf")


class TemplateParser:
    """The token cursor and the template rules; ``expressions.ExpressionParser`` adds expressions, ``parser`` bodies.

    ``skip_nl``: whether newlines are ignored here (inside ``( )``, ``[ ]``, calls, ``for`` expressions and
    template sequences) or end things (bodies, object constructors), HCL's include-newlines stack."""

    def __init__(self, tokens: list[Token], file: SourceFile) -> None:
        self.tokens, self.file, self.i = tokens, file, 0
        self.skip_nl = False
        self.saved: list[bool] = []
        self.depth = 0  # expressions being parsed, one inside the other

    # --- tokens -------------------------------------------------------------------------------
    def push(self, skip_nl: bool) -> None:
        self.saved.append(self.skip_nl)
        self.skip_nl = skip_nl

    def pop(self) -> None:
        self.skip_nl = self.saved.pop()

    def peek(self) -> Token:
        tok = self.tokens[self.i]
        if self.skip_nl and tok[0] == "nl":
            while tok[0] == "nl":
                self.i += 1
                tok = self.tokens[self.i]
        return tok

    def take(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, kind: str, what: str = "") -> Token:
        tok = self.take()
        if tok[0] != kind:
            raise self.error(f"expected {what or repr(kind)}, found {self.describe(tok)}", tok[2])
        return tok

    def error(self, message: str, offset: int) -> InputError:
        assert self.file.lexer is not None
        return self.file.lexer.error(message, offset)

    @staticmethod
    def describe(tok: Token) -> str:
        kind = tok[0]
        if kind in ("ident", "number"):
            return repr(tok[1])
        return {"nl": "end of line", "eof": "end of file", "oquote": "a string", "lit": "text"}.get(kind, repr(kind))

    def end_of(self) -> int:
        """The end offset of the token just taken."""
        kind, value, at = self.tokens[self.i - 1]
        return at + (len(value) if isinstance(value, str) and kind not in ("lit", "tclose") else 1)

    # --- templates ----------------------------------------------------------------------------
    def expression(self) -> x.Expr:  # pragma: no cover - the parser defines it
        raise NotImplementedError

    def template(self, closing: str, start: int, flush: bool = False) -> x.Expr:
        tokens, i = self.tokens, self.i
        if not flush:  # perf: most strings are one literal or empty
            if tokens[i][0] == closing:
                self.i += 1
                return x.Literal("", start, self.end_of())
            if tokens[i][0] == "lit" and tokens[i + 1][0] == closing:
                self.i += 2
                return x.Literal(tokens[i][1], start, self.end_of())
        flat = self.template_tokens(closing)
        if flush:
            _flush(flat)
        flat = _meld(flat)
        end = self.end_of()
        if len(flat) == 1 and flat[0][0] == "interp":
            return f.Template([flat[0][1]], start, end)
        parts, _, _ = self.structure(flat, 0, ())
        if all(isinstance(p, str) for p in parts):  # perf: a string without interpolation is a constant
            return x.Literal("".join(parts), start, end)
        return f.Template(parts, start, end)

    def template_tokens(self, closing: str) -> list[list[Any]]:
        """The flat parts up to ``closing`` (consumed), strip markers applied."""
        parts: list[list[Any]] = []
        ltrim_next = can_trim_next = False
        self.push(False)
        while True:
            tok = self.tokens[self.i]
            kind = tok[0]
            if kind == closing:
                self.i += 1
                break
            ltrim, ltrim_next = ltrim_next, False
            can_trim, can_trim_next = can_trim_next, False
            if kind == "lit":
                self.i += 1
                text = str(tok[1])
                parts.append(["lit", text.lstrip(SPACES) if ltrim else text, tok[2]])
                can_trim_next = True
                continue
            if kind not in ("interp", "directive"):
                raise self.error(f"unexpected {self.describe(tok)} in a template", tok[2])
            self.i += 1
            if tok[1] == "~" and can_trim:
                parts[-1][1] = parts[-1][1].rstrip(SPACES)
            self.push(True)
            if kind == "interp":
                parts.append(["interp", self.expression(), tok[2]])
            else:
                parts.append(self.directive(tok))
            close = self.expect("tclose", "'}' to end the template sequence")
            self.pop()
            ltrim_next = close[1] == "~"
        self.pop()
        return parts

    def directive(self, opener: Token) -> list[Any]:
        word = self.expect("ident", "if, for, else, endif or endfor")
        if word[1] == "if":
            return ["if", self.expression(), opener[2]]
        if word[1] == "for":
            first = str(self.expect("ident", "a variable name")[1])
            names: tuple[str, ...] = (first,)
            if self.peek()[0] == ",":
                self.take()
                names = (first, str(self.expect("ident", "a variable name")[1]))
            keyword = self.expect("ident", "in")
            if keyword[1] != "in":
                raise self.error("expected 'in' in a for directive", keyword[2])
            return ["for", names, self.expression(), opener[2]]
        if word[1] in ("else", "endif", "endfor"):
            return [word[1], None, opener[2]]
        raise self.error(f"unknown template directive {word[1]!r}", word[2])

    def structure(self, flat: list[list[Any]], i: int, stops: tuple[str, ...]) -> tuple[list[Any], int, str]:
        """Pair directives: the parts from ``i`` up to one of ``stops`` (returned with its index)."""
        parts: list[Any] = []
        while i < len(flat):
            kind, value, at = flat[i][0], flat[i][1], flat[i][-1]
            if kind == "lit" or kind == "interp":
                parts.append(value)
            elif kind == "if":
                body, i, stop = self.structure(flat, i + 1, ("else", "endif"))
                otherwise = None
                if stop == "else":
                    rest, i, stop = self.structure(flat, i + 1, ("endif",))
                    otherwise = f.Template(rest, at, at)
                if stop != "endif":
                    raise self.error("this %{ if } has no %{ endif }", at)
                parts.append(f.TemplateJoin("if", (), value, f.Template(body, at, at), otherwise, at, at))
            elif kind == "for":
                collection = flat[i][2]
                body, i, stop = self.structure(flat, i + 1, ("endfor",))
                if stop != "endfor":
                    raise self.error("this %{ for } has no %{ endfor }", at)
                parts.append(f.TemplateJoin("for", value, collection, f.Template(body, at, at), None, at, at))
            elif kind in stops:
                return parts, i, kind
            else:
                raise self.error(f"unexpected %{{ {kind} }}", at)
            i += 1
        return parts, i, ""


def _meld(flat: list[list[Any]]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for part in flat:
        if part[0] == "lit" and out and out[-1][0] == "lit":
            out[-1] = ["lit", out[-1][1] + part[1], out[-1][2]]
        else:
            out.append(part)
    return out


def _clusters(text: str) -> list[str]:
    """Text split into user-perceived characters, near enough for indentation: a character with the
    combining marks and joiners that follow it; ``\\r\\n`` is one."""
    out: list[str] = []
    for char in text:
        if out and (unicodedata.category(char)[0] == "M" or char in "\u200d\ufe0f" or out[-1] + char == "\r\n"):
            out[-1] += char
        else:
            out.append(char)
    return out


def _flush(flat: list[list[Any]]) -> None:
    """``<<-`` heredocs: the fewest leading spaces of the lines that start with text (lines of only
    spaces do not count; a line starting with an interpolation counts as none) are removed from each
    line-leading literal, counted in characters (a tab is one)."""
    smallest: float = _INF
    newline = True
    adjust: list[list[Any]] = []
    for part in flat:
        if newline:
            newline = False
            spaces: float = 0
            if part[0] == "lit":
                text = part[1]
                trimmed = text.lstrip(SPACES)
                if not trimmed and text.endswith("\n"):
                    spaces = _INF
                else:
                    spaces = len(_clusters(text[: len(text) - len(trimmed)]))
                    adjust.append(part)
            smallest = min(smallest, spaces)
        if part[0] == "lit" and part[1].endswith("\n"):
            newline = True
    if smallest == _INF or not smallest:
        return
    count = int(smallest)
    for part in adjust:
        part[1] = "".join(_clusters(part[1])[count:]) if not part[1].isascii() else part[1][count:]
