"""Token reading and templates: quoted strings and heredocs with ``${ }`` interpolations and ``%{ if }`` /
``%{ for }`` directives, strip markers (``~``) and ``<<-`` indentation, as the HCL specification defines them."""

from __future__ import annotations

from typing import Any

from validator.ingest.loaders.terraform import expr as x
from validator.ingest.loaders.terraform import forms as f
from validator.ingest.loaders.terraform.lexer import Token
from validator.ingest.loaders.terraform.syntax import SourceFile
from validator.model.errors import InputError


class TemplateParser:
    """The token cursor and the template rules; ``parser._Parser`` adds bodies and expressions."""

    def __init__(self, tokens: list[Token], file: SourceFile) -> None:
        self.tokens, self.file, self.i = tokens, file, 0
        self.nesting = 0  # inside ( [ {: newlines do not end anything
        self.depth = 0  # expressions being parsed, one inside the other

    # --- tokens -------------------------------------------------------------------------------
    def peek(self) -> Token:
        tok = self.tokens[self.i]
        if self.nesting and tok[0] == "nl":
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
        tok = self.tokens[self.i - 1]
        value = tok[1]
        return tok[2] + (len(value) if isinstance(value, str) else 1)

    # --- bodies -------------------------------------------------------------------------------
    def expression(self) -> x.Expr:  # pragma: no cover - the parser defines it
        raise NotImplementedError

    def template(self, closing: str, start: int) -> x.Expr:
        parts, _ = self.template_parts(closing, ())
        self.expect(closing)
        if all(isinstance(p, str) for p in parts):  # perf: a string without interpolation is a constant
            return x.Literal("".join(parts), start, self.end_of())
        return f.Template(parts, start, self.end_of())

    def template_parts(self, closing: str, stops: tuple[str, ...]) -> tuple[list[Any], bool]:
        """Template parts up to ``closing`` or a directive keyword in ``stops`` (not consumed)."""
        saved, self.nesting = self.nesting, 0
        parts: list[Any] = []
        strip_next = False
        while True:
            tok = self.tokens[self.i]
            kind = tok[0]
            if kind == "lit":
                self.i += 1
                text = str(tok[1])
                parts.append(text.lstrip() if strip_next else text)
                strip_next = False
            elif kind == "interp":
                self.i += 1
                if tok[1] and parts and isinstance(parts[-1], str):
                    parts[-1] = parts[-1].rstrip()
                self.nesting = 1
                parts.append(self.expression())
                self.nesting = 0
                strip_next = self.expect("tclose", "'}'")[1] == "~"
            elif kind == "directive":
                word = self.tokens[self.i + 1]
                if word[0] == "ident" and word[1] in stops:
                    break
                self.i += 1
                if tok[1] and parts and isinstance(parts[-1], str):
                    parts[-1] = parts[-1].rstrip()
                node, strip_next = self.directive(tok, closing)
                parts.append(node)
            elif kind == closing or kind == "eof":
                break
            else:
                raise self.error(f"unexpected {self.describe(tok)} in a template", tok[2])
        self.nesting = saved
        return parts, strip_next

    def directive(self, opener: Token, closing: str) -> tuple[x.Expr, bool]:
        self.nesting = 1
        word = str(self.expect("ident", "if or for")[1])
        names: tuple[str, ...] = ()
        if word == "for":
            first = str(self.expect("ident")[1])
            names = (first,)
            if self.peek()[0] == ",":
                self.take()
                names = (first, str(self.expect("ident")[1]))
            self.expect("ident", "in")
        elif word != "if":
            raise self.error(f"unknown template directive {word!r}", opener[2])
        subject = self.expression()
        self.nesting = 0
        strip = self.expect("tclose", "'}'")[1] == "~"
        end_word = "endfor" if word == "for" else "endif"
        body_parts, _ = self.template_parts(closing, ("else", end_word))
        if strip and body_parts and isinstance(body_parts[0], str):
            body_parts[0] = body_parts[0].lstrip()
        otherwise = None
        self.expect("directive", f"%{{ {end_word} }}")
        if self.take()[1] == "else":
            self.expect("tclose", "'}'")
            else_parts, _ = self.template_parts(closing, (end_word,))
            otherwise = f.Template(else_parts, opener[2], opener[2])
            self.expect("directive", f"%{{ {end_word} }}")
            self.take()
        strip_after = self.expect("tclose", "'}'")[1] == "~"
        body = f.Template(body_parts, opener[2], opener[2])
        return f.TemplateJoin(word, names, subject, body, otherwise, opener[2], self.end_of()), strip_after


def _flush(node: f.Template) -> None:
    """``<<-`` heredocs: the common leading whitespace of the lines is removed."""
    texts = [p for p in node.parts if isinstance(p, str)]
    lines = [ln for t in texts for ln in t.split("\n") if ln.strip()]
    if not lines:
        return
    indent = min(len(ln) - len(ln.lstrip(" \t")) for ln in lines)
    node.parts = ["\n".join(ln[indent:] for ln in p.split("\n")) if isinstance(p, str) else p for p in node.parts]
