"""HCL native syntax → tokens, with the byte offset of each (lines are computed only where reported).

Templates nest: a quoted string or heredoc is a template whose ``${ … }`` and ``%{ … }`` sequences hold
expressions, which may hold strings again. The lexer keeps a mode stack (template / expression with its
brace depth) as HashiCorp's scanner does, so the parser sees one flat token list.

Token kinds: ``ident``, ``number``, ``nl``, punctuation as itself (``{``, ``==``, ``...``), and for
templates ``oquote`` / ``cquote``, ``oheredoc`` / ``cheredoc`` (value: strip flag), ``lit`` (the
literal text, escapes resolved), ``interp`` / ``directive`` (value: ``~`` strip marker or ``""``) and
``tclose`` (the ``}`` that ends one, value: strip marker).
"""

from __future__ import annotations

import re
from bisect import bisect_right

from validator.model.errors import InputError

Token = tuple[str, object, int]  # kind, value, start offset

_EXPR = re.compile(
    r"""
    (?:[ \t\r]+|\#[^\n]*|//[^\n]*|/\*.*?\*/)*  # blanks and comments before the token
    (?:
    (?P<nl>\n)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<str>"(?:[^"\\$%\n]|\\[^\n]|\$(?!\{)|%(?!\{))*")
  | (?P<oquote>")
  | (?P<heredoc><<(?P<strip>-?)(?P<marker>[A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n)
  | (?P<punct>\.\.\.|==|!=|<=|>=|&&|\|\||=>|[{}\[\]().,:?=!<>+\-*/%~])
  | (?P<end>$)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_NEWLINE = re.compile("\n")
_QUOTED_LIT = re.compile(r'(?:\$\$\{|%%\{|\\[^\n]|[^"\\$%\n]|\$(?!\{)|%(?!\{))+')
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(text: str, start: int, lexer: _Lexer) -> str:
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        whole = m.group(0)
        if whole == "$${":
            return "${"
        if whole == "%%{":
            return "%{"
        code = m.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        raise lexer.error(f"invalid escape sequence \\{code}", start + m.start())

    return _ESCAPE.sub(one, text)


class _Lexer:
    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self.tokens: list[Token] = []
        self._newlines: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE.finditer(self.text)]
        return bisect_right(self._newlines, offset - 1) + 1

    def error(self, message: str, offset: int) -> InputError:
        line = self.line_of(offset)
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return InputError(
            f"invalid HCL: {message}",
            file=self.file,
            line=line,
            column=column,
            hint="'terraform validate' shows the error in context",
        )

    def run(self) -> list[Token]:
        text, tokens = self.text, self.tokens
        append = tokens.append
        pos, end = 0, len(text)
        # mode stack: ("expr", depth) or ("quoted", None) or ("heredoc", (marker, strip))
        stack: list[list[object]] = [["expr", 0]]
        match = _EXPR.match
        while pos < end:
            mode = stack[-1]
            if mode[0] != "expr":
                pos = self._template(mode, stack, pos)
                continue
            m = match(text, pos)
            if m is None:
                raise self.error(f"unexpected character {text[pos]!r}", pos)
            kind = m.lastgroup
            at = m.start(kind)  # type: ignore[arg-type]
            if kind == "punct":
                value = m.group(kind)
                if value == "{":
                    mode[1] += 1  # type: ignore[operator]
                elif value == "}":
                    if mode[1] == 0 and len(stack) > 1:
                        stack.pop()
                        strip = tokens[-1][0] == "~" if tokens else False
                        if strip:
                            tokens.pop()
                        append(("tclose", "~" if strip else "", at))
                        pos = m.end()
                        continue
                    mode[1] -= 1  # type: ignore[operator]
                append((value, value, at))
            elif kind == "str":
                raw = m.group(kind)[1:-1]
                append(("oquote", None, at))
                if raw:
                    append(("lit", _unescape(raw, at + 1, self), at + 1))
                append(("cquote", None, m.end() - 1))
            elif kind == "ident" or kind == "number":
                append((kind, m.group(kind), at))
            elif kind == "nl":
                if tokens and tokens[-1][0] != "nl":
                    append(("nl", None, at))
            elif kind == "oquote":
                append(("oquote", None, at))
                stack.append(["quoted", None])
            elif kind == "heredoc":
                append(("oheredoc", bool(m.group("strip")), at))
                stack.append(["heredoc", (m.group("marker"), bool(m.group("strip")))])
            else:  # end of text
                pos = end
                break
            pos = m.end()
        if len(stack) > 1:
            raise self.error("unterminated string or template", end)
        append(("nl", None, end))
        append(("eof", None, end))
        return tokens

    def _template(self, mode: list[object], stack: list[list[object]], pos: int) -> int:
        text, append = self.text, self.tokens.append
        if mode[0] == "quoted":
            m = _QUOTED_LIT.match(text, pos)
            if m:
                append(("lit", _unescape(m.group(0), pos, self), pos))
                pos = m.end()
            if pos >= len(text) or text[pos] == "\n":
                raise self.error("unterminated string (a quoted string ends on its line)", pos)
            if text[pos] == '"':
                append(("cquote", None, pos))
                stack.pop()
                return pos + 1
        else:
            marker = str(mode[1][0])  # type: ignore[index]
            # a heredoc's literal runs up to an interpolation or the line holding only the marker
            closing = re.compile(r"^[ \t]*" + re.escape(str(marker)) + r"[ \t]*$", re.MULTILINE)
            c = closing.search(text, pos)
            if c is None:
                raise self.error(f"heredoc {marker} is not closed", pos)
            seq = re.compile(r"(?<!\$)\$\{|(?<!%)%\{").search(text, pos, c.start())
            stop = seq.start() if seq else c.start()
            if stop > pos:
                chunk = text[pos:stop].replace("$${", "${").replace("%%{", "%{")
                append(("lit", chunk, pos))
            if seq is None:
                append(("cheredoc", None, c.start()))
                stack.pop()
                return c.end()
            pos = stop
        opener = text[pos : pos + 2]
        strip = text[pos + 2 : pos + 3] == "~"
        append(("interp" if opener == "${" else "directive", "~" if strip else "", pos))
        stack.append(["expr", 0])
        return pos + 2 + (1 if strip else 0)


def tokenize(text: str, file: str) -> tuple[list[Token], _Lexer]:
    """Tokens of one file (InputError with file:line:column on a character HCL does not allow)."""
    lexer = _Lexer(text, file)
    return lexer.run(), lexer
