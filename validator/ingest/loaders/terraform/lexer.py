"""HCL native syntax → tokens, with the byte offset of each (lines are computed only where reported).

The token rules are those of HashiCorp's scanner (hashicorp/hcl ``hclsyntax/scan_tokens.rl``), which
Terraform uses: newlines are ``\\n`` or ``\\r\\n`` (a lone ``\\r`` is not allowed outside comments),
spaces and tabs separate tokens, identifiers are Unicode (``ID_Start`` or ``_``, then ``ID_Continue``
or ``-``), a number is digits, dots and exponents that HCL then reads as a decimal (``1.e5`` is one
number, ``1.2.3`` an invalid one). ``decode`` reads a file as HCL does: one UTF-8 byte
order mark at the start is skipped, bytes that are not UTF-8 are allowed in comments only.

Templates nest: a quoted string or heredoc is a template whose ``${ … }`` and ``%{ … }`` sequences hold
expressions, which may hold strings again. The lexer keeps a mode stack (template / expression with its
brace depth) as HashiCorp's scanner does, so the parser sees one flat token list. A heredoc's text is
one literal token per line (strip markers and ``<<-`` act on those tokens), and it ends at a line that
holds only its marker, followed by a newline.

Token kinds: ``ident``, ``number`` (value: its text), ``nl``, punctuation as itself (``{``, ``==``,
``...``, ``::``), and for templates ``oquote`` / ``cquote``, ``oheredoc`` (value: the strip flag) /
``cheredoc`` (value: the marker), ``lit`` (the literal text, escapes resolved), ``interp`` /
``directive`` (value: ``~`` strip marker or ``""``) and ``tclose`` (the ``}`` that ends one, value: strip
marker).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from decimal import Decimal

from validator.model.errors import InputError

Token = tuple[str, object, int]  # kind, value, start offset

# Blanks, comments and string bodies match possessively: a block comment ends at its first */ as in HCL (with
# backtracking, a character HCL does not use after it made the match run on to a later */ and read the text
# between as comment), and no string is scanned twice (perf). The most frequent token kinds come first.
_EXPR = re.compile(
    r"""
    (?:[ \t]++|\#[^\n]*+|//[^\n]*+|/\*.*?\*/)*+  # blanks and comments before the token
    (?:
    (?P<ident>[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\-\x80-\U0010ffff]*)
  | (?P<nl>\r?\n)
  | (?P<heredoc><<(?P<strip>-?)(?P<marker>[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\-\x80-\U0010ffff]*)\r?\n)
  | (?P<punct>\.\.\.|==|!=|<=|>=|&&|\|\||=>|::|[{}\[\]().,:?=!<>+\-*/%~])
  | (?P<str>"(?:[^"\\$%\n\r]++|\\[^\n\r]|\$(?!\{)|%(?!\{))*+")
  | (?P<oquote>")
  | (?P<number>[0-9](?:(?:[0-9.]|[eE][+-]?[0-9])*(?:[0-9]|[eE][+-]?[0-9]))?)
  | (?P<end>$)
    )
    """,
    re.VERBOSE | re.DOTALL,
)
_BLANKS = re.compile(r"(?:[ \t]+|\#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_NEWLINE = re.compile("\n")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_QUOTED_LIT = re.compile(r'(?:\$\$\{|%%\{|\\[^\n\r]|[^"\\$%\n\r]|\$(?!\{)|%(?!\{))+')
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)|\$\$\{|%%\{")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_HEREDOC_OPENER = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
# Go's unicode.IsSpace: what HCL trims around a heredoc's closing marker and for strip markers
SPACES = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
_LONE_SIGN_CR = re.compile(r"(?<![$%])[$%]\r")
_BROKEN = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (read with surrogateescape)
MAX_EXPONENT = 4096  # number literals up to 10**4096: no configuration comes near, and the value stays exact


def decode(data: bytes, path: str, hcl: bool = True) -> str:
    """A Terraform file's text. HCL allows bytes that are not UTF-8 only inside comments, so such a
    file is read on (the lexer refuses those bytes anywhere else, at their line); JSON never does."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if hcl:
            return data.decode("utf-8-sig", "surrogateescape")
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x})", file=path, line=line, hint="save the file as UTF-8"
        ) from None


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
            point = int(code[1:], 16)
            if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
                why = f"invalid escape sequence \\{code}: U+{point:04X} is not a character"
                raise lexer.error(why, start + m.start())
            return chr(point)
        if code in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[code]
        raise lexer.error(f"invalid escape sequence \\{code}", start + m.start())

    return _ESCAPE.sub(one, text)


def number_value(text: str) -> int | float | None:
    """A number literal's value (exact integers stay ints), None when HCL would not read it."""
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    if value == float("inf") or (value.is_integer() and value >= 2**53):
        exact = Decimal(text)
        if exact.adjusted() > MAX_EXPONENT:
            return None
        if exact == exact.to_integral_value():
            return int(exact)
    return value


class _Lexer:
    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self.tokens: list[Token] = []
        self._newlines: list[int] | None = None
        self.broken = not text.isascii() and _BROKEN.search(text) is not None

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
        # mode stack: ["expr", depth] or ["quoted", None] or ["heredoc", marker, at line start]
        stack: list[list[object]] = [["expr", 0]]
        match, broken = _EXPR.match, self.broken
        while pos < end:
            mode = stack[-1]
            if mode[0] != "expr":
                pos = self._template(mode, stack, pos)
                continue
            m = match(text, pos)
            if m is None:
                at = _BLANKS.match(text, pos).end()  # type: ignore[union-attr]
                raise self.error(f"unexpected character {text[at]!r}", at)
            kind = m.lastgroup
            at = m.start(kind)  # type: ignore[arg-type]
            if kind == "ident":
                name = m.group(kind)
                if not name.isascii():
                    name = self._unicode_ident(name, at)
                    append((kind, name, at))
                    pos = at + len(name)
                    continue
                append((kind, name, at))
            elif kind == "nl":
                if tokens and tokens[-1][0] != "nl":
                    append(("nl", None, at))
            elif kind == "punct":
                value = m.group(kind)
                if value == "{":
                    mode[1] += 1  # type: ignore[operator]
                elif value == "}":
                    if mode[1] == 0 and len(stack) > 1:
                        stack.pop()
                        strip = tokens[-1][0] == "~" and tokens[-1][2] == at - 1 if tokens else False
                        if strip:
                            tokens.pop()
                        append(("tclose", "~" if strip else "", at))
                        pos = m.end()
                        continue
                    mode[1] -= 1  # type: ignore[operator]
                append((value, value, at))
            elif kind == "str":
                raw = m.group(kind)[1:-1]
                if broken:
                    self.not_utf8(raw, at + 1)
                append(("oquote", None, at))
                if raw:
                    append(("lit", _unescape(raw, at + 1, self), at + 1))
                append(("cquote", None, m.end() - 1))
            elif kind == "number":
                append((kind, m.group(kind), at))  # read by the parser (``number_value``)
            elif kind == "oquote":
                append(("oquote", None, at))
                stack.append(["quoted", None])
            elif kind == "heredoc":
                append(("oheredoc", bool(m.group("strip")), at))
                marker = m.group("marker")
                if not marker.isascii():
                    self._unicode_ident(marker, m.start("marker"), whole=True)
                stack.append(["heredoc", marker, True])
            else:  # end of text
                pos = end
                break
            pos = m.end()
        if len(stack) > 1:
            what = "heredoc" if stack[-1][0] == "heredoc" else "string or template"
            raise self.error(f"unterminated {what}", end)
        append(("nl", None, end))
        append(("eof", None, end))
        return tokens

    def not_utf8(self, chunk: str, at: int) -> None:
        found = _BROKEN.search(chunk) if self.broken else None
        if found is not None:
            byte = ord(found.group(0)) - 0xDC00
            raise self.error(f"byte 0x{byte:02x} is not UTF-8 (save the file as UTF-8)", at + found.start())

    def _carriage_returns(self, chunk: str, pos: int) -> None:
        """A heredoc line with a CR: allowed before LF, and after a lone ``$`` or ``%``, which HashiCorp's
        scanner reads as one token with it (so a strip marker after it leaves the CR)."""
        start = 0
        for m in _LONE_SIGN_CR.finditer(chunk):
            self.tokens.append(("lit", chunk[start : m.end()], pos + start))
            start = m.end()
        rest = chunk[start:]
        lone = rest.replace("\r\n", "").find("\r")
        if lone >= 0:
            raise self.error("a carriage return that does not end a line", pos + start + rest.find("\r"))
        if rest:
            self.tokens.append(("lit", rest, pos + start))

    def _unicode_ident(self, name: str, at: int, whole: bool = False) -> str:
        """The identifier at ``at``: its valid prefix (a character that cannot be in an identifier
        cannot be anywhere outside strings and comments either, so the next token reports it)."""
        from validator.ingest.loaders.terraform.identifiers import id_continue, id_start

        self.not_utf8(name[:1], at)
        if not (name[0] == "_" or id_start(name[0])):
            raise self.error(f"unexpected character {name[0]!r}", at)
        for i, char in enumerate(name[1:], 1):
            if not (char == "-" or id_continue(char)):
                if whole:
                    raise self.error(f"unexpected character {char!r} in a heredoc marker", at + i)
                return name[:i]
        return name

    def _template(self, mode: list[object], stack: list[list[object]], pos: int) -> int:
        text, append = self.text, self.tokens.append
        if mode[0] == "quoted":
            m = _QUOTED_LIT.match(text, pos)
            if m:
                self.not_utf8(m.group(0), pos)
                append(("lit", _unescape(m.group(0), pos, self), pos))
                pos = m.end()
            if pos >= len(text) or text[pos] in "\n\r":
                raise self.error("unterminated string (a quoted string ends on its line)", pos)
            if text[pos] == '"':
                append(("cquote", None, pos))
                stack.pop()
                return pos + 1
            if text[pos] == "\\":
                raise self.error("invalid escape sequence: '\\' ends the line", pos)
        else:
            marker = str(mode[1])
            eol = text.find("\n", pos)
            if mode[2] and eol >= 0 and text[pos:eol].strip(SPACES) == marker:
                closing = pos + len(text[pos:eol]) - len(text[pos:eol].lstrip(SPACES))
                append(("cheredoc", marker, closing))
                stack.pop()
                return eol - 1 if text[eol - 1] == "\r" else eol  # the newline after it is a token of its own
            line_end = len(text) if eol < 0 else eol + 1
            opener = _HEREDOC_OPENER.search(text, pos, line_end)
            while opener is not None and opener.group(0) in ("$${", "%%{"):
                opener = _HEREDOC_OPENER.search(text, opener.end(), line_end)
            stop = opener.start() if opener else line_end
            if stop > pos:
                chunk = text[pos:stop]
                self.not_utf8(chunk, pos)
                if "$${" in chunk or "%%{" in chunk:
                    chunk = chunk.replace("$${", "${").replace("%%{", "%{")
                if "\r" in chunk:
                    self._carriage_returns(chunk, pos)
                else:
                    append(("lit", chunk, pos))
            if opener is None:
                if eol < 0:
                    raise self.error(f"heredoc {marker} is not closed (a line holding only {marker} ends it)", pos)
                mode[2] = True
                return line_end
            mode[2] = False
            pos = stop
        opener_text = text[pos : pos + 2]
        strip = text[pos + 2 : pos + 3] == "~"
        append(("interp" if opener_text == "${" else "directive", "~" if strip else "", pos))
        stack.append(["expr", 0])
        return pos + 2 + (1 if strip else 0)


def tokenize(text: str, file: str) -> tuple[list[Token], _Lexer]:
    """Tokens of one file (InputError with file:line:column on a character HCL does not allow)."""
    lexer = _Lexer(text, file)
    return lexer.run(), lexer
